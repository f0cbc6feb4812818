package dev.ledgerbox.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's pages in a real browser (headless Chromium): every page loads with data, a dead
 * letter is replayed through the page, a {@code <script>} payload is shown as text, a viewer gets
 * no replay button. Screenshots go to {@code target/screenshots}. Without Chromium and its driver
 * the test is skipped, unless {@code LEDGERBOX_REQUIRE_BROWSER} is set (as {@code .ci/run} does).
 */
class ConsoleBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static ConsoleFixture fx;
    private static WebDriver browser;

    private static Path find(String env, String... candidates) {
        String configured = System.getenv(env);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    @BeforeAll
    static void start() throws Exception {
        Path chromium = find("CHROME_BIN", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
        Path driver = find("CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        boolean required = System.getenv("LEDGERBOX_REQUIRE_BROWSER") != null;
        if ((chromium == null || driver == null) && required) {
            throw new IllegalStateException("LEDGERBOX_REQUIRE_BROWSER is set and no Chromium or chromedriver was"
                    + " found (install Debian's chromium and chromium-driver, or set CHROME_BIN and CHROMEDRIVER)");
        }
        // a developer's machine without a browser skips it; .ci/run installs one and requires it
        assumeTrue(
                chromium != null && driver != null, "no Chromium and chromedriver here: the browser test is skipped");
        fx = new ConsoleFixture();
        ChromeOptions options = new ChromeOptions()
                .setBinary(chromium.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-dev-shm-usage",
                        "--disable-gpu",
                        "--window-size=1400,1000",
                        "--lang=en");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private static void signIn(String user, String password) {
        browser.manage().deleteAllCookies();
        browser.get(fx.url("/"));
        wait(d -> d.getCurrentUrl().endsWith("/login"));
        browser.findElement(By.id("user")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
        loaded("overview");
    }

    private static void open(String hash) {
        browser.get(fx.url("/#/" + hash));
        loaded(hash);
    }

    private static void loaded(String hash) {
        wait(d -> hash.equals(d.findElement(By.id("main")).getAttribute("data-loaded")));
    }

    /**
     * Waits for the condition; an element found on a page that a navigation (a form's post, a
     * redirect) then replaced is looked for again on the new one.
     */
    private static void wait(java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, Duration.ofSeconds(20))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition::apply);
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private static void noScriptRan() {
        assertThat(((org.openqa.selenium.JavascriptExecutor) browser)
                        .executeScript("return window.pwned === undefined"))
                .isEqualTo(true);
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    @Test
    void everyPageLoadsWithDataAndADeadLetterIsReplayedThroughThePage() throws Exception {
        signIn(ConsoleFixture.OPERATOR, ConsoleFixture.OPERATOR_PASSWORD);
        assertThat(text("who")).isEqualTo("olga (operator)");
        assertThat(text("tile-dead")).contains("1");
        assertThat(text("tile-success")).contains("60.0 %");
        assertThat(browser.findElements(By.cssSelector("svg.chart rect.delivered")))
                .hasSize(60);
        screenshot("overview");

        open("endpoints");
        assertThat(text("main")).contains("/ok", "/failing", "critical", "healthy");
        screenshot("endpoints");
        open("endpoints/" + fx.failingEndpoint);
        assertThat(text("main")).contains("Recent failures", "success rate 0.0 %");
        screenshot("endpoint");

        open("deliveries");
        assertThat(browser.findElements(By.cssSelector("main tbody tr"))).hasSize(4);
        screenshot("deliveries");
        long dead = Long.parseLong((String) ConsoleFixture.sql()
                .query("SELECT id FROM webhook_delivery WHERE status = 'DEAD'")
                .get(0)
                .get("id"));
        open("deliveries/" + dead);
        // the payload and the receiver's answer hold a script: shown as text, never run
        assertThat(text("payload")).contains(ConsoleFixture.HOSTILE);
        assertThat(browser.findElements(By.cssSelector("pre.response-body"))
                        .get(0)
                        .getText())
                .contains(ConsoleFixture.HOSTILE);
        assertThat(text("main")).contains("<b>bold</b>");
        noScriptRan();
        screenshot("delivery");

        open("audit?type=Order&id=1");
        assertThat(browser.findElements(By.cssSelector(".badge.masked"))).hasSize(2);
        assertThat(text("audit-rows")).contains("NEW", "PAID", "Alice");
        browser.findElement(By.id("verify")).click();
        wait(d -> d.findElement(By.id("verify-result")).getText().startsWith("intact"));
        screenshot("audit");

        open("trace?correlation=corr-1");
        List<WebElement> items = browser.findElements(By.cssSelector("#timeline li"));
        assertThat(items).extracting(WebElement::getText).anyMatch(t -> t.contains("audit"));
        assertThat(items).extracting(i -> i.getAttribute("class")).contains("audit", "event", "webhook");
        screenshot("trace");

        open("dead-letters");
        assertThat(browser.findElements(By.cssSelector("input.pick"))).hasSize(1);
        screenshot("dead-letters");
        browser.findElement(By.cssSelector("input.pick")).click();
        browser.findElement(By.id("replay-reason")).sendKeys("receiver fixed <i>now</i>");
        browser.findElement(By.id("replay")).click();
        wait(d -> d.findElement(By.id("replay-result")).getText().contains("1 deliveries put back"));
        List<Map<String, Object>> replays =
                ConsoleFixture.sql().query("SELECT requested_by, reason FROM webhook_replay");
        assertThat(replays).singleElement().satisfies(r -> {
            assertThat(r.get("requested_by")).isEqualTo("olga");
            assertThat(r.get("reason")).isEqualTo("receiver fixed <i>now</i>");
        });
        noScriptRan();
    }

    @Test
    void aViewerSeesNoActionsAndARefusedSignInSaysSo() throws Exception {
        browser.manage().deleteAllCookies();
        browser.get(fx.url("/login"));
        browser.findElement(By.id("user")).sendKeys("victor");
        browser.findElement(By.id("password")).sendKeys("wrong");
        browser.findElement(By.id("sign-in")).click();
        wait(d -> d.findElement(By.id("failed")).isDisplayed());
        screenshot("sign-in-refused");

        signIn(ConsoleFixture.VIEWER, ConsoleFixture.VIEWER_PASSWORD);
        open("dead-letters");
        assertThat(browser.findElements(By.id("replay"))).isEmpty();
        open("endpoints/" + fx.okEndpoint);
        assertThat(browser.findElements(By.id("disable"))).isEmpty();
        browser.findElement(By.id("logout")).click();
        wait(d -> d.getCurrentUrl().endsWith("/login"));
        browser.get(fx.url("/"));
        wait(d -> d.getCurrentUrl().endsWith("/login"));
    }
}
