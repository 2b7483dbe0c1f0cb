package dev.corvid.node.studio;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The Studio's page in a real headless browser (Debian's {@code chromium}, driven through its
 * {@code chromedriver} by Selenium), read and clicked the way a user does.
 *
 * <p>Without chromium and chromedriver a test using it is skipped, unless
 * {@code CORVID_REQUIRE_BROWSER=1} (CI sets it) makes their absence a failure. With
 * {@code -Dcorvid.studio.screenshots=DIR} {@link #screenshot} saves the window there.
 */
final class StudioPage implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private final ChromeDriver browser;

    private StudioPage(ChromeDriver browser) {
        this.browser = browser;
    }

    /** Skips the calling test (or fails it, with {@code CORVID_REQUIRE_BROWSER=1}) without a browser. */
    static void assumeBrowser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("CORVID_REQUIRE_BROWSER"))) {
            throw new AssertionError("CORVID_REQUIRE_BROWSER=1 but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "no " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install chromium"
                + " chromium-driver): the Studio's browser test is skipped");
    }

    /** A headless browser showing {@code url}. */
    static StudioPage open(String url) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        StudioPage page = new StudioPage(new ChromeDriver(service, options));
        page.browser.get(url);
        return page;
    }

    @Override
    public void close() {
        browser.quit();
    }

    private Object script(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    /**
     * The text of the first element {@code css} selects, "" when none: read in the page in one
     * step, since the page redraws its tables every second (an element found first and read after
     * may be gone).
     */
    String text(String css) {
        return String.valueOf(script("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : '';", css));
    }

    /** Whether the first element {@code css} selects is there and not hidden (by itself or a parent). */
    boolean visible(String css) {
        return Boolean.TRUE.equals(script("const e = document.querySelector(arguments[0]);"
                + " return !!e && e.closest('[hidden]') === null;", css));
    }

    /** The value of a form field. */
    String value(String css) {
        return String.valueOf(script("const e = document.querySelector(arguments[0]); return e ? e.value : '';", css));
    }

    int count(String css) {
        return browser.findElements(By.cssSelector(css)).size();
    }

    /** Clicks the element {@code css} selects as a user would, found and clicked in one step. */
    void click(String css) {
        script("document.querySelector(arguments[0]).click();", css);
    }

    /** Sets a field's text as typing would, with the input event the page listens to. */
    void type(String css, String value) {
        script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                find(css), value);
    }

    /** The state the cluster table shows for {@code node}. */
    String state(String node) {
        return text("#nodes tr[data-node='" + node + "'] td.state");
    }

    /** How many history samples the lag chart draws. */
    int samples() {
        return Integer.parseInt(String.valueOf(script("return document.getElementById('lag-chart').getAttribute('data-samples');")));
    }

    void openDocument(String id) {
        WebElement input = find("#open-id");
        input.clear();
        input.sendKeys(id);
        click("#open");
        await("document " + id + " open in the page").atMost(DEADLINE)
                .until(() -> text("#doc-id").contains(id) && !value("#doc-body").isBlank());
    }

    /** What the page logged at WARNING or worse since the last call (the browser hands each entry out once). */
    List<LogEntry> consoleErrors() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    }

    /** Saves the window, scrolled to the section {@code css} selects, when screenshots are asked for. */
    void screenshot(String name, String css) throws IOException {
        String dir = System.getProperty("corvid.studio.screenshots");
        if (dir != null) {
            script("document.querySelector(arguments[0]).scrollIntoView();", css);
            Path to = Files.createDirectories(Path.of(dir)).resolve(name + ".png");
            Files.write(to, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        }
    }
}
