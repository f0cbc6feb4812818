package dev.ledgerbox.sample;

import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookEndpoint;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The quick start: everything the sample needs, in one process tree, until Ctrl-C.
 *
 * <ol>
 *   <li>PostgreSQL: the one in {@code LEDGERBOX_DB_HOST}/{@code _PORT}/{@code _NAME}/{@code
 *       _USER}/{@code _PASSWORD} when set, else an embedded PostgreSQL 17 whose data stays in
 *       {@code sample-app/target/sample-db} (or {@code LEDGERBOX_DB_DIR});
 *   <li>the schema: Ledgerbox's outbox, audit, webhook, inbox and outbound migrations and the
 *       shop's own;
 *   <li>a demo webhook receiver on port 8089 that verifies signatures and prints each webhook,
 *       registered as an endpoint for {@code order.*} and {@code member.*};
 *   <li>the publisher (health and metrics on port 9090), its JSON log lines on this console;
 *   <li>a payment provider on port 8090: the charge API the shop calls to pay an order (which can
 *       be told to fail), and signed {@code payment.succeeded} webhooks to the shop, retried as
 *       providers do;
 *   <li>Open Liberty with the shop on port 9080, configured by the repository's server.xml.
 * </ol>
 */
public final class SampleLauncher {

    private SampleLauncher() {}

    /**
     * @param args the sample-app directory and Open Liberty's installation (the build passes both;
     *     defaults: the working directory and its {@code target/liberty/wlp})
     */
    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : ".");
        Path wlp = args.length > 1 ? Path.of(args[1]) : base.resolve(Path.of("target", "liberty", "wlp"));
        Map<String, String> env = System.getenv();
        String host = env.get("LEDGERBOX_DB_HOST");
        int port = Integer.parseInt(env.getOrDefault("LEDGERBOX_DB_PORT", "5433"));
        String name = env.getOrDefault("LEDGERBOX_DB_NAME", "postgres");
        String user = env.getOrDefault("LEDGERBOX_DB_USER", "postgres");
        String password = env.getOrDefault("LEDGERBOX_DB_PASSWORD", "postgres");
        boolean embeddedDatabase = host == null || host.isBlank();
        if (embeddedDatabase) {
            host = "localhost";
        }

        // Liberty first: it takes longest to start, and the shop waits for the database on its own
        ProcessBuilder liberty =
                new ProcessBuilder(wlp.resolve(Path.of("bin", "server")).toString(), "run", "sample").inheritIO();
        liberty.environment()
                .put(
                        "WLP_USER_DIR",
                        base.resolve(Path.of("target", "liberty", "wlp", "usr")).toString());
        liberty.environment().put("LEDGERBOX_DB_HOST", host);
        liberty.environment().put("LEDGERBOX_DB_PORT", Integer.toString(port));
        liberty.environment().put("LEDGERBOX_DB_NAME", name);
        liberty.environment().put("LEDGERBOX_DB_USER", user);
        liberty.environment().put("LEDGERBOX_DB_PASSWORD", password);
        System.out.println("[sample] starting the shop on Open Liberty (its console follows)");
        Process shop = liberty.start();
        // Ctrl-C stops the shop, then the rest in the reverse order of their start: the publisher
        // before the receiver, the database last
        Deque<AutoCloseable> started = new ConcurrentLinkedDeque<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[sample] stopping");
            shop.destroy(); // SIGTERM: Liberty stops in order
            try {
                shop.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (AutoCloseable part : started) {
                try {
                    part.close();
                } catch (Exception e) {
                    System.out.println("[sample] stopping " + part + ": " + e);
                }
            }
        }));

        if (embeddedDatabase) {
            File data = env.containsKey("LEDGERBOX_DB_DIR")
                    ? new File(env.get("LEDGERBOX_DB_DIR"))
                    : base.resolve("target/sample-db").toFile();
            Files.createDirectories(data.toPath());
            System.out.printf("[sample] starting embedded PostgreSQL on port %d, data in %s%n", port, data);
            started.push(EmbeddedDatabase.startStoppedByCaller(true, port, data));
        }
        String jdbcUrl = "jdbc:postgresql://" + host + ":" + port + "/" + name;
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl);
        ds.setUser(user);
        ds.setPassword(password);
        migrate(ds);

        // the demo's signing secrets are sealed at rest, with a key made on the first run and kept
        // next to the database (a deployment keeps it in its secret store)
        Path keyFile = Path.of(env.getOrDefault(
                "LEDGERBOX_SECRETS_KEY_FILE",
                base.resolve("target/sample-secrets.keys").toString()));
        if (!Files.exists(keyFile)) {
            Files.createDirectories(keyFile.toAbsolutePath().getParent());
            Files.writeString(keyFile, SecretBox.newKey("sample-1") + System.lineSeparator());
        }
        Map<String, String> settings = new HashMap<>(Map.of(
                "publisher.jdbc.url",
                jdbcUrl,
                "publisher.jdbc.user",
                user,
                "publisher.jdbc.password",
                password,
                "publisher.http.port",
                env.getOrDefault("SAMPLE_PUBLISHER_PORT", "9090"),
                "publisher.poll-interval",
                "1s",
                "publisher.secrets.key-file",
                keyFile.toString()));
        PublisherSettings publisherSettings = PublisherSettings.from(settings::get);

        WebhookInbox inbox =
                new WebhookInbox(Integer.parseInt(env.getOrDefault("SAMPLE_RECEIVER_PORT", "8089")), System.out);
        WebhookEndpoints endpoints =
                new WebhookEndpoints(ds, publisherSettings.webhook().secrets());
        Optional<WebhookEndpoint> existing = endpoints.list().stream()
                .filter(e -> e.url().toString().equals(inbox.url()))
                .findFirst();
        String secret;
        if (existing.isPresent()) {
            endpoints.enable(existing.get().id());
            secret = endpoints
                    .signingSecrets(existing.get().id(), Instant.now())
                    .get(0)
                    .reveal();
        } else {
            secret = endpoints
                    .add(EndpointSpec.builder(inbox.url())
                            .description("the sample's demo receiver")
                            .eventTypes("order.*", "member.*")
                            .allowPrivate(true)
                            .build())
                    .secret()
                    .reveal();
        }
        inbox.verifyWith(secret);
        started.push(inbox);

        started.push(new Daemon(publisherSettings, new LogSink(true)).start());

        FakePaymentProvider provider = new FakePaymentProvider(
                Integer.parseInt(env.getOrDefault("SAMPLE_PROVIDER_PORT", "8090")),
                URI.create("http://localhost:" + env.getOrDefault("LEDGERBOX_HTTP_PORT", "9080")
                        + "/api/webhooks/payments"),
                System.out);

        started.push(provider);

        if (!answers(
                URI.create("http://localhost:" + env.getOrDefault("LEDGERBOX_HTTP_PORT", "9080") + "/api/orders"),
                shop)) {
            System.out.println("[sample] the shop did not start; see Liberty's console above");
            System.exit(1);
        }
        System.out.printf(
                """
                [sample] the shop answers on http://localhost:9080/api/orders
                [sample] webhooks go to %s; publisher health and metrics on http://localhost:%s/metrics
                [sample] try:
                  curl -si -X POST localhost:9080/api/orders -H 'Content-Type: application/json' \\
                       -H 'X-Request-Id: demo-1' -H 'X-Actor: alice' -d '{"customer":"ada","total":42.50}'
                  curl -si -X POST localhost:9080/api/orders/1/pay -H 'X-Request-Id: demo-2' -H 'X-Actor: alice'
                [sample] make the provider's next charges fail (error, timeout, drop), then pay and see outbound_attempt:
                  curl -s -X POST localhost:%3$d/v1/faults -d 'error,timeout'
                [sample] or let the payment provider pay it (a signed webhook the shop's inbox captures):
                  curl -si -X POST localhost:%d/pay -d '{"order":1,"amount":42.50}'
                [sample] Ctrl-C stops everything.
                """,
                inbox.url(), settings.get("publisher.http.port"), provider.port());
        System.exit(shop.waitFor() == 0 ? 0 : 1);
    }

    /** Waits until {@code url} answers 200, for up to three minutes or until the shop's process ends. */
    static boolean answers(URI url, Process shop) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline && shop.isAlive()) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(url)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** Ledgerbox's schemas and the shop's own tables. */
    static void migrate(DataSource ds) {
        EmbeddedDatabase.migrate(ds, EmbeddedDatabase.allSchemas());
        EmbeddedDatabase.migrateLocation(ds, "classpath:db/sample", "sample_schema_history");
    }
}
