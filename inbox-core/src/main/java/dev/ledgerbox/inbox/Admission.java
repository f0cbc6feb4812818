package dev.ledgerbox.inbox;

/**
 * What the inbox made of a request it captured: an answer to give now (a rejection, a duplicate,
 * 409, 202, 503), or a message claimed for processing in the request, to be completed with {@link
 * Inbox#complete}.
 */
public final class Admission {

    private final Reception answer;
    private final InboxMessage message;

    private Admission(Reception answer, InboxMessage message) {
        this.answer = answer;
        this.message = message;
    }

    static Admission answered(Reception answer) {
        return new Admission(answer, null);
    }

    static Admission toProcess(InboxMessage message) {
        return new Admission(null, message);
    }

    /** The answer to give now, or null when the message is to be processed. */
    public Reception answer() {
        return answer;
    }

    /** The message to process, or null when answered. */
    public InboxMessage message() {
        return message;
    }
}
