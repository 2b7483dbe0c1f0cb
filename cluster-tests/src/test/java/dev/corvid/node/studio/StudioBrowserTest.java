package dev.corvid.node.studio;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.DocumentSession;
import dev.corvid.client.examples.Person;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.probe.MultiProcess;
import dev.corvid.testing.CorvidTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
 * Corvid Studio in a real headless browser (Debian's {@code chromium}, driven through its
 * {@code chromedriver} by Selenium) against a real three-node cluster: the page loads without a
 * console error and shows the three nodes, a replica killed turns DOWN and comes back, the lag
 * chart moves, a document edited in the page reaches the replicas, a stale edit shows the
 * concurrency conflict with both etags, an invalid edit shows the node's error and changes
 * nothing, and the consistency check reports.
 *
 * <p>Without chromium and chromedriver the test is skipped, unless {@code CORVID_REQUIRE_BROWSER=1}
 * (CI sets it) makes their absence a failure. With {@code -Dcorvid.studio.screenshots=DIR} it
 * saves a screenshot of each screen there (docs/studio.md shows them).
 */
@MultiProcess
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private static CorvidTestCluster cluster;
    private static StudioServer studio;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("CORVID_REQUIRE_BROWSER"))) {
            throw new AssertionError("CORVID_REQUIRE_BROWSER=1 but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "no " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install chromium"
                + " chromium-driver): the Studio's browser test is skipped");
        cluster = CorvidTestCluster.builder().nodes(3).start();
        studio = StudioServer.start(ClusterConfig.load(cluster.config()), "admin", "127.0.0.1", 0, Duration.ofMillis(500));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.get(studio.url());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (studio != null) {
            studio.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    /**
     * The text of the first element {@code css} selects, "" when none: read in the page in one
     * step, since the page redraws its tables every second (an element found first and read after
     * may be gone).
     */
    private static String text(String css) {
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : '';", css);
        return String.valueOf(text);
    }

    private static int samples() {
        Object n = ((JavascriptExecutor) browser).executeScript(
                "return document.getElementById('lag-chart').getAttribute('data-samples');");
        return Integer.parseInt(String.valueOf(n));
    }

    /** Clicks the element {@code css} selects as a user would, found and clicked in one step. */
    private static void click(String css) {
        ((JavascriptExecutor) browser).executeScript("document.querySelector(arguments[0]).click();", css);
    }

    private static int count(String css) {
        return browser.findElements(By.cssSelector(css)).size();
    }

    private static String state(String node) {
        return text("#nodes tr[data-node='" + node + "'] td.state");
    }

    /** Saves the window, scrolled to the section {@code css} selects, when screenshots are asked for. */
    private static void screenshot(String name, String css) throws IOException {
        String dir = System.getProperty("corvid.studio.screenshots");
        if (dir != null) {
            ((JavascriptExecutor) browser).executeScript("document.querySelector(arguments[0]).scrollIntoView();", css);
            Path to = Files.createDirectories(Path.of(dir)).resolve(name + ".png");
            Files.write(to, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        }
    }

    /** Sets a textarea's text as typing would, with the input event the page listens to. */
    private static void type(String css, String value) {
        WebElement area = find(css);
        ((JavascriptExecutor) browser).executeScript(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                area, value);
    }

    private static void openDocument(String id) {
        WebElement input = find("#open-id");
        input.clear();
        input.sendKeys(id);
        click("#open");
        await("document " + id + " open in the page").atMost(DEADLINE)
                .until(() -> text("#doc-id").contains(id) && !find("#doc-body").getAttribute("value").isBlank());
    }

    private static String nameOnEveryNode(String id) {
        return cluster.nodes().stream().map(n -> n + "=" + cluster.probe().node(n).find(id)
                .map(d -> d.getBodyJson().toStringUtf8()).orElse("missing")).collect(Collectors.joining(", "));
    }

    @Test
    @Order(1)
    void thePageLoads_withoutConsoleErrors_andShowsTheThreeNodes() throws IOException {
        await("three nodes UP in the page").atMost(DEADLINE)
                .until(() -> List.of("A", "B", "C").stream().allMatch(n -> state(n).equals("UP")));
        assertEquals("master", text("#nodes tr[data-node='A'] td.role"));
        assertEquals("replica", text("#nodes tr[data-node='B'] td.role"));
        assertEquals(3, count("#topology [data-node]"), "a node each in the picture");
        assertTrue(text("#master").contains("A"), text("#master"));
        screenshot("cluster", "#cluster-section");
        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
        assertTrue(errors.isEmpty(), "console errors: " + errors);
    }

    @Test
    @Order(2)
    void aKilledReplica_turnsDown_andComesBack_andTheChartMarksIt() throws IOException {
        int before = samples();
        cluster.kill("C");
        await("C DOWN in the page").atMost(Duration.ofSeconds(10)).until(() -> state("C").equals("DOWN"));
        cluster.restart("C");
        await("C UP again in the page").atMost(DEADLINE).until(() -> state("C").equals("UP"));
        await("the chart marks C's down and up").atMost(DEADLINE).until(() ->
                count("#lag-chart line.event[data-node='C'][data-event='down']") > 0
                        && count("#lag-chart line.event[data-node='C'][data-event='up']") > 0);
        await("the lag chart takes new samples").atMost(DEADLINE)
                .until(() -> samples() > before);
        assertEquals(1, count("#lag-chart polyline[data-replica='B']"));
        screenshot("replication", "#replication-section");
    }

    @Test
    @Order(3)
    void aDocumentEditedInThePage_reachesTheReplicas() throws IOException {
        try (DocumentSession session = cluster.store().openSession()) {
            session.store(new Person("Ada", 36), "people/1");
            session.saveChanges();
        }
        cluster.awaitReplicated(); // so the page, opening it once, finds it on every node
        await("People listed").atMost(DEADLINE)
                .until(() -> count("#collections a[data-collection='People']") > 0);
        click("#collections a[data-collection='People']");
        await("people/1 listed").atMost(DEADLINE)
                .until(() -> count("#documents tr[data-id='people/1']") > 0);
        screenshot("documents", "#documents-section");
        click("#documents tr[data-id='people/1']");
        await("people/1 open").atMost(DEADLINE).until(() -> find("#doc-body").getAttribute("value").contains("Ada"));
        await("its etag on every node").atMost(DEADLINE).until(() -> List.of("A", "B", "C").stream()
                .map(n -> text("#doc-etags tr[data-node='" + n + "'] td.etag")).toList(),
                etags -> etags.stream().allMatch(e -> e.matches("[0-9A-Fa-f-]{36}")));
        assertFalse(text("#doc-etags tr[data-node='A'] td.etag").equals(text("#doc-etags tr[data-node='B'] td.etag")),
                "each node stamps its own etag");
        assertTrue(text("#doc-metadata").contains("@etag"), text("#doc-metadata"));
        assertEquals(text("#doc-etags tr[data-node='A'] td.etag"), text("#doc-etags tr[data-node='B'] td.source-etag"),
                "a replica's copy names the master's etag it came from");
        assertEquals("A", text("#doc-etags tr[data-node='C'] td.replication-source"));
        screenshot("document", "#doc-panel");

        type("#doc-body", "{\"name\": \"Grace\", \"age\": 45}");
        click("#save");
        await("saved").atMost(DEADLINE).until(() -> text("#doc-status").contains("saved"));
        assertEquals("", text("#doc-error"));
        cluster.awaitReplicated();
        for (String node : List.of("A", "B", "C")) {
            String body = cluster.probe().node(node).find("people/1").orElseThrow().getBodyJson().toStringUtf8();
            assertTrue(body.contains("Grace"), node + " has " + body);
        }
    }

    @Test
    @Order(4)
    void aStaleEdit_showsTheConcurrencyConflict_withBothEtags() throws IOException {
        openDocument("people/1");
        String loaded = text("#doc-etags tr[data-node='A'] td.etag");
        String newer;
        try (DocumentSession session = cluster.store().openSession()) {
            Person p = session.load(Person.class, "people/1");
            p.setName("Someone else");
            session.saveChanges();
            newer = session.advanced().getEtagFor(p).toString();
        }
        type("#doc-body", "{\"name\": \"Mine\"}");
        click("#save");
        await("the conflict shown").atMost(DEADLINE).until(() -> text("#doc-error").contains("ConcurrencyException"));
        String error = text("#doc-error");
        assertTrue(error.contains(loaded) && error.contains(newer), "both etags (" + loaded + ", " + newer + ") in: " + error);
        screenshot("conflict", "#doc-panel");
        assertTrue(nameOnEveryNode("people/1").contains("Someone else"));
    }

    @Test
    @Order(5)
    void anInvalidEdit_showsTheNodesError_andChangesNothing() {
        openDocument("people/1");
        type("#doc-body", "{\"name\": ");
        click("#save");
        await("the node's error shown").atMost(DEADLINE).until(() -> text("#doc-error").contains("is not valid JSON"));
        String body = cluster.probe().node("A").find("people/1").orElseThrow().getBodyJson().toStringUtf8();
        assertTrue(body.contains("Someone else"), body);
    }

    @Test
    @Order(6)
    void theConsistencyCheck_reportsEveryReplicaMatching() throws IOException {
        click("#run-consistency");
        await("the report").atMost(DEADLINE).until(() -> text("#consistency-report").contains("matches"));
        assertFalse(text("#consistency-report").contains("NOT CHECKED"), text("#consistency-report"));
        screenshot("consistency", "#consistency-section");
    }
}
