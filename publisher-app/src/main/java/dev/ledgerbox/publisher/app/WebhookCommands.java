package dev.ledgerbox.publisher.app;

import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.webhook.DeadLetters;
import dev.ledgerbox.publisher.webhook.EndpointProbe;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.WebhookEndpoint;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.publisher.webhook.WebhookSecret;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The {@code endpoints} and {@code dead-letters} commands. */
final class WebhookCommands {

    private WebhookCommands() {}

    static Duration duration(CommandSpec spec, String option, String text) {
        Duration d = PublisherSettings.parseDuration(text);
        if (d == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + " is '" + text + "': write a duration such as 10s, 5m or 24h");
        }
        return d;
    }

    /** The endpoints of the configured database, their secrets sealed as configured. */
    static WebhookEndpoints endpoints(Cli.Settings settings) throws java.io.IOException {
        dev.ledgerbox.publisher.PublisherSettings s = settings.load();
        return new WebhookEndpoints(Cli.dataSource(s), s.webhook().secrets());
    }

    @Command(
            name = "secrets",
            mixinStandardHelpOptions = true,
            description = "Keys that seal webhook secrets and header values at rest: new-key, rotate-key.",
            subcommands = {Secrets.NewKey.class, Secrets.RotateKey.class})
    static final class Secrets extends CommandGroup {

        @Command(
                name = "new-key",
                mixinStandardHelpOptions = true,
                description = {
                    "Prints a new AES-256 key as ID:BASE64, for publisher.secrets.keys (first = current)",
                    "or a key file. Keep it in your secret store: without it the sealed values are lost."
                })
        static final class NewKey implements Callable<Integer> {
            @Parameters(paramLabel = "ID", description = "the key's id, stored with every value it seals")
            String id;

            @Spec
            CommandSpec spec;

            @Override
            public Integer call() {
                spec.commandLine().getOut().println(dev.ledgerbox.publisher.webhook.SecretBox.newKey(id));
                return 0;
            }
        }

        @Command(
                name = "rotate-key",
                mixinStandardHelpOptions = true,
                description = {
                    "Seals every stored signing secret and header value under the current key (the first",
                    "of publisher.secrets.keys): values in clear and values sealed under older keys.",
                    "Afterwards the older keys can be removed."
                })
        static final class RotateKey implements Callable<Integer> {
            @Mixin
            Cli.Settings settings;

            @Spec
            CommandSpec spec;

            @Override
            public Integer call() throws Exception {
                WebhookEndpoints.Resealed done = endpoints(settings).reseal();
                spec.commandLine()
                        .getOut()
                        .printf(
                                "sealed %d signing secret(s) and %d header value(s) under key '%s'; every value is"
                                        + " under it now, the other keys can be removed%n",
                                done.secrets(), done.headerValues(), done.keyId());
                return 0;
            }
        }
    }

    @Command(
            name = "endpoints",
            mixinStandardHelpOptions = true,
            description = "Manages webhook endpoints: add, list, disable, enable, rotate-secret, test.",
            subcommands = {
                Endpoints.Add.class,
                Endpoints.ListAll.class,
                Endpoints.Disable.class,
                Endpoints.Enable.class,
                Endpoints.Rotate.class,
                Endpoints.Test.class
            })
    static final class Endpoints extends CommandGroup {

        @Command(
                name = "add",
                mixinStandardHelpOptions = true,
                description = "Registers an endpoint and prints its id and signing secret (shown this once).")
        static final class Add implements Callable<Integer> {
            @Mixin
            Cli.Settings settings;

            @Spec
            CommandSpec spec;

            @Option(names = "--url", required = true, description = "where to POST, https://...")
            String url;

            @Option(
                    names = "--type",
                    paramLabel = "FILTER",
                    description = "event types to send: order.created, order.* or * (repeatable; default *)")
            List<String> types = new ArrayList<>();

            @Option(names = "--description", description = "what the endpoint is for")
            String description;

            @Option(
                    names = "--allow-private",
                    description = "allow loopback and private addresses (local development and tests only)")
            boolean allowPrivate;

            @Option(names = "--timeout", defaultValue = "10s", description = "per attempt (default: ${DEFAULT-VALUE})")
            String timeout;

            @Option(
                    names = "--concurrency",
                    defaultValue = "8",
                    description = "attempts in flight at once, per instance (default: ${DEFAULT-VALUE})")
            int concurrency;

            @Option(names = "--rate", paramLabel = "PER_SECOND", description = "attempts per second, per instance")
            Integer rate;

            @Option(
                    names = "--header",
                    paramLabel = "NAME=VALUE",
                    description = "sent with every request (repeatable); stored redacted in attempts")
            Map<String, String> headers = new LinkedHashMap<>();

            @Override
            public Integer call() throws Exception {
                EndpointSpec.Builder builder = EndpointSpec.builder(url)
                        .eventTypes(types)
                        .description(description)
                        .allowPrivate(allowPrivate)
                        .timeout(duration(spec, "--timeout", timeout))
                        .maxConcurrency(concurrency)
                        .ratePerSecond(rate);
                headers.forEach(builder::header);
                WebhookEndpoints.Created created = endpoints(settings).add(builder.build());
                PrintWriter out = spec.commandLine().getOut();
                out.printf("endpoint %s%n", created.endpoint().id());
                out.printf("  url:    %s%n", created.endpoint().url());
                out.printf(
                        "  types:  %s%n", String.join(", ", created.endpoint().eventTypes()));
                out.printf("  secret: %s%n", created.secret().reveal());
                out.println("Give the secret to the receiver; it is not shown again (rotate-secret makes a new one).");
                return 0;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists endpoints (never their secrets).")
        static final class ListAll implements Callable<Integer> {
            @Mixin
            Cli.Settings settings;

            @Spec
            CommandSpec spec;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = spec.commandLine().getOut();
                List<WebhookEndpoint> all = endpoints(settings).list();
                out.printf("%-36s  %-8s  %-24s  %s%n", "id", "state", "types", "url");
                for (WebhookEndpoint e : all) {
                    out.printf(
                            "%-36s  %-8s  %-24s  %s%s%n",
                            e.id(),
                            e.enabled() ? "enabled" : "disabled",
                            String.join(",", e.eventTypes()),
                            e.url(),
                            e.enabled() ? "" : "  (" + e.disabledReason() + ")");
                }
                out.printf("%d endpoint(s)%n", all.size());
                return 0;
            }
        }

        /** A command about one endpoint, named by its id. */
        abstract static class OneEndpoint implements Callable<Integer> {
            @Mixin
            Cli.Settings settings;

            @Spec
            CommandSpec spec;

            @Parameters(paramLabel = "ID", description = "the endpoint's id (see: endpoints list)")
            UUID id;

            WebhookEndpoints endpoints() throws java.io.IOException {
                return WebhookCommands.endpoints(settings);
            }
        }

        @Command(name = "disable", mixinStandardHelpOptions = true, description = "Stops deliveries to an endpoint.")
        static final class Disable extends OneEndpoint {
            @Option(names = "--reason", defaultValue = "disabled by an operator")
            String reason;

            @Override
            public Integer call() throws Exception {
                endpoints().disable(id, reason);
                spec.commandLine().getOut().printf("endpoint %s disabled: %s%n", id, reason);
                return 0;
            }
        }

        @Command(
                name = "enable",
                mixinStandardHelpOptions = true,
                description = "Resumes deliveries to an endpoint (waiting deliveries go out).")
        static final class Enable extends OneEndpoint {
            @Override
            public Integer call() throws Exception {
                endpoints().enable(id);
                spec.commandLine().getOut().printf("endpoint %s enabled%n", id);
                return 0;
            }
        }

        @Command(
                name = "rotate-secret",
                mixinStandardHelpOptions = true,
                description = "Adds a new signing secret; the old one goes on signing for the grace period.")
        static final class Rotate extends OneEndpoint {
            @Option(names = "--grace", defaultValue = "24h", description = "(default: ${DEFAULT-VALUE})")
            String grace;

            @Override
            public Integer call() throws Exception {
                Duration g = duration(spec, "--grace", grace);
                WebhookSecret secret = endpoints().rotateSecret(id, g);
                PrintWriter out = spec.commandLine().getOut();
                out.printf("new secret: %s%n", secret.reveal());
                out.printf("Requests carry both signatures for %s; then only the new one.%n", Cli.human(g));
                return 0;
            }
        }

        @Command(
                name = "test",
                mixinStandardHelpOptions = true,
                description = "Sends a signed ledgerbox.test webhook now and prints the answer (stores nothing).")
        static final class Test extends OneEndpoint {
            @Override
            public Integer call() throws Exception {
                dev.ledgerbox.publisher.PublisherSettings s = settings.load();
                EndpointProbe.Result r = new EndpointProbe(
                                Cli.dataSource(s),
                                Clock.systemUTC(),
                                s.webhook().secrets())
                        .send(id);
                PrintWriter out = spec.commandLine().getOut();
                if (r.error() != null) {
                    out.printf("webhook %s failed after %d ms: %s%n", r.webhookId(), r.durationMillis(), r.error());
                } else {
                    out.printf("webhook %s: HTTP %d in %d ms%n", r.webhookId(), r.status(), r.durationMillis());
                    if (r.body() != null && !r.body().isEmpty()) {
                        out.printf("  %s%n", r.body());
                    }
                }
                return r.succeeded() ? 0 : Cli.FAILED;
            }
        }
    }

    @Command(
            name = "dead-letters",
            mixinStandardHelpOptions = true,
            description = "Lists and replays webhook deliveries that ran out of attempts.",
            subcommands = {DeadLetterCommands.ListDead.class, DeadLetterCommands.Replay.class})
    static final class DeadLetterCommands extends CommandGroup {

        /** The options that select deliveries. */
        static final class Selection {
            @Option(names = "--id", paramLabel = "DELIVERY", description = "a delivery id (repeatable)")
            List<Long> ids = new ArrayList<>();

            @Option(names = "--endpoint", paramLabel = "ID", description = "deliveries to this endpoint")
            UUID endpoint;

            @Option(names = "--type", paramLabel = "FILTER", description = "event types: order.created or order.*")
            String type;

            @Option(names = "--from", paramLabel = "INSTANT", description = "events that occurred at or after")
            Instant from;

            @Option(names = "--to", paramLabel = "INSTANT", description = "events that occurred before")
            Instant to;

            @Option(names = "--status", split = ",", description = "DEAD (default), FAILED, or DELIVERED to send again")
            List<String> statuses = new ArrayList<>(List.of("DEAD"));

            DeadLetters.Filter filter() {
                return new DeadLetters.Filter(ids, endpoint, type, from, to, statuses);
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists dead deliveries.")
        static final class ListDead implements Callable<Integer> {
            @Mixin
            Cli.Settings settings;

            @CommandLine.ArgGroup(exclusive = false)
            Selection selection = new Selection();

            @Option(names = "--limit", defaultValue = "50", description = "at most this many (1 or more)")
            int limit;

            @Spec
            CommandSpec spec;

            @Override
            public Integer call() throws Exception {
                if (limit < 1) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--limit is " + limit + ": list at least one delivery");
                }
                PrintWriter out = spec.commandLine().getOut();
                List<DeadLetters.Entry> entries =
                        new DeadLetters(Cli.dataSource(settings.load())).list(selection.filter(), limit);
                out.printf(
                        "%-10s  %-36s  %-24s  %-8s  %-40s  %s%n",
                        "delivery", "event", "type", "attempts", "endpoint", "last error");
                for (DeadLetters.Entry e : entries) {
                    out.printf(
                            "%-10d  %-36s  %-24s  %-8d  %-40s  %s%n",
                            e.deliveryId(), e.eventId(), e.eventType(), e.attempts(), e.url(), e.lastError());
                }
                out.printf("%d delivery(ies)%n", entries.size());
                return 0;
            }
        }

        @Command(
                name = "replay",
                mixinStandardHelpOptions = true,
                description = "Sends deliveries again: same webhook-id, new timestamp and signature; recorded with"
                        + " who asked and why.")
        static final class Replay implements Callable<Integer> {
            @Mixin
            Cli.Settings settings;

            @CommandLine.ArgGroup(exclusive = false)
            Selection selection = new Selection();

            @Option(names = "--reason", required = true, description = "why (stored with the replay)")
            String reason;

            @Option(names = "--by", description = "who asks (default: the user running the command)")
            String by = System.getProperty("user.name");

            @Option(
                    names = "--all",
                    description = "every dead delivery, when no --id, --endpoint, --type or time is given")
            boolean all;

            @Spec
            CommandSpec spec;

            @Override
            public Integer call() throws Exception {
                if (!selection.filter().narrowed() && !all) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(),
                            "say which deliveries: --id, --endpoint, --type, --from or --to (or --all for every dead"
                                    + " one)");
                }
                PrintWriter out = spec.commandLine().getOut();
                DeadLetters.Replay replay = new DeadLetters(Cli.dataSource(settings.load()))
                        .replay(selection.filter(), by, reason, (done, total) -> {
                            out.printf("replayed %d of %d%n", done, total);
                            out.flush();
                        });
                out.printf("replay %d: %d delivery(ies) put back to pending%n", replay.id(), replay.deliveries());
                return 0;
            }
        }
    }
}
