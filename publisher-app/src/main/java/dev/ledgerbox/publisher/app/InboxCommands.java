package dev.ledgerbox.publisher.app;

import dev.ledgerbox.inbox.Inbox;
import dev.ledgerbox.inbox.InboxReplayFilter;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code inbox} commands: replays of inbound messages that failed, died or were never processed. */
@Command(
        name = "inbox",
        mixinStandardHelpOptions = true,
        description = "Replays inbound messages (failed, dead, or received and never processed).",
        subcommands = {InboxCommands.Replay.class})
final class InboxCommands extends CommandGroup {

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = "Puts messages back for their source's handler, run by the application's background"
                    + " processing; same message, same key, so the replay is idempotent. Recorded with who asked"
                    + " and why.")
    static final class Replay implements Callable<Integer> {
        @Mixin
        Cli.Settings settings;

        @Option(names = "--id", paramLabel = "MESSAGE", description = "an inbox_message id (repeatable)")
        List<Long> ids = new ArrayList<>();

        @Option(names = "--source", description = "the messages of this source")
        String source;

        @Option(names = "--from", paramLabel = "INSTANT", description = "received at or after (with --to)")
        Instant from;

        @Option(names = "--to", paramLabel = "INSTANT", description = "received before (with --from)")
        Instant to;

        @Option(names = "--reason", required = true, description = "why (stored with the replay)")
        String reason;

        @Option(names = "--by", description = "who asks (default: the user running the command)")
        String by = System.getProperty("user.name");

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (ids.isEmpty() == (source == null)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "say which messages: --id (repeatable) or --source, not both");
            }
            if ((from == null) != (to == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--from and --to go together");
            }
            InboxReplayFilter filter = ids.isEmpty() ? InboxReplayFilter.source(source) : InboxReplayFilter.ids(ids);
            if (from != null) {
                filter = filter.receivedBetween(from, to);
            }
            PrintWriter out = spec.commandLine().getOut();
            Inbox inbox = Inbox.builder(Cli.dataSource(settings.load())).build();
            int n = inbox.replay(filter, by, reason);
            out.printf("%d message(s) put back for processing%n", n);
            return 0;
        }
    }
}
