package dev.ledgerbox.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.MutableClock;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sessions end when idle and after twelve hours; repeated wrong passwords are throttled. */
class ConsoleSessionTest {

    private final MutableClock clock = new MutableClock();
    private Console console;

    @BeforeEach
    void start() throws Exception {
        console = Console.builder(
                        ConsoleFixture.db(), ConsoleFixture.settings(Map.of("publisher.console.refresh", "1h")))
                .clock(clock)
                .build()
                .start();
    }

    @AfterEach
    void stop() {
        console.close();
    }

    private HttpClient browser() {
        return HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    private String signIn(HttpClient client, String user, String password) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("user=" + user + "&password=" + password))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("Location").orElse("");
    }

    private int session(HttpClient client, String authorization) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + "/api/session"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void anIdleSessionEndsAndAnActiveOneEndsAfterTwelveHours() throws Exception {
        HttpClient idle = browser();
        assertThat(signIn(idle, ConsoleFixture.VIEWER, ConsoleFixture.VIEWER_PASSWORD))
                .isEqualTo("/");
        assertThat(session(idle, null)).isEqualTo(200);
        clock.advance(Duration.ofMinutes(29));
        assertThat(session(idle, null)).isEqualTo(200); // still live, and its idle time restarts
        clock.advance(Duration.ofMinutes(31));
        assertThat(session(idle, null)).isEqualTo(401);

        HttpClient busy = browser();
        signIn(busy, ConsoleFixture.VIEWER, ConsoleFixture.VIEWER_PASSWORD);
        for (int i = 0; i < 35; i++) { // every 20 minutes for 11 h 40 min
            clock.advance(Duration.ofMinutes(20));
            assertThat(session(busy, null)).as("after %d minutes", 20 * (i + 1)).isEqualTo(200);
        }
        clock.advance(Duration.ofMinutes(21));
        assertThat(session(busy, null)).isEqualTo(401);
    }

    @Test
    void repeatedWrongPasswordsAreThrottledForAWhile() throws Exception {
        HttpClient client = browser();
        for (int i = 0; i < Sessions.FAILURES; i++) {
            assertThat(signIn(client, ConsoleFixture.OPERATOR, "wrong-" + i)).isEqualTo("/login?failed");
        }
        // the right password now is refused without a check, by the form and by Basic
        assertThat(signIn(client, ConsoleFixture.OPERATOR, ConsoleFixture.OPERATOR_PASSWORD))
                .isEqualTo("/login?throttled");
        assertThat(session(client, ConsoleFixture.basic(ConsoleFixture.OPERATOR, ConsoleFixture.OPERATOR_PASSWORD)))
                .isEqualTo(401);
        // another user from the same address is not
        assertThat(signIn(browser(), ConsoleFixture.VIEWER, ConsoleFixture.VIEWER_PASSWORD))
                .isEqualTo("/");
        clock.advance(Sessions.FAILURE_WINDOW.plusSeconds(1));
        assertThat(signIn(client, ConsoleFixture.OPERATOR, ConsoleFixture.OPERATOR_PASSWORD))
                .isEqualTo("/");
    }
}
