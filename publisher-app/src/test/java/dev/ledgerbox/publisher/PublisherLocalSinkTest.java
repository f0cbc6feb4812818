package dev.ledgerbox.publisher;

/**
 * The same tests with a local sink: its events claimed, delivered and marked in one transaction
 * on the engine's claim thread ({@code Sink.local()}).
 */
class PublisherLocalSinkTest extends PublisherTest {

    @Override
    RecordingSink sink() {
        return new RecordingSink(true);
    }
}
