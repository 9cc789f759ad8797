package dossier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.ClasspathPluginsNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * One Elasticsearch 9.x node assembled from Maven Central jars, for tests and development.
 *
 * Plugins are loaded from the classpath the way Elasticsearch's test framework (MockNode) does
 * (see org.elasticsearch.node.ClasspathPluginsNode). The bootstrap of the real distribution
 * (org.elasticsearch.bootstrap.Elasticsearch: entitlements, native access, system call filter,
 * bootstrap checks) is skipped, as in ES's own integration tests. Plugins: transport-netty4
 * (HTTP), and two stand-ins for modules that are not on Maven Central: CjkAnalysisPlugin
 * (analysis-common: cjk_width, cjk_bigram, whitespace) and RestRootPlugin (rest-root: GET /).
 * No security (x-pack is not on Maven Central): plain HTTP on 127.0.0.1 only.
 *
 * Usage: java -cp 'target/lib/*:target/classes' dossier.ElasticsearchNode HTTP_PORT HOME_DIR
 */
public final class ElasticsearchNode {

    private ElasticsearchNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ElasticsearchNode HTTP_PORT HOME_DIR");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
            .put("cluster.name", "dossier-dev")
            .put("node.name", "dossier-node")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", port + 100)
            .put("discovery.type", "single-node")
            .put("action.auto_create_index", false)
            // A disk that is nearly full must not turn the index read-only in tests.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        // ES's logging facade on Log4j; Log4j configures itself from log4j2.properties on the
        // classpath (src/main/resources: INFO to the console, which start.sh sends to node.log).
        // LogConfigurator.configureWithoutConfig would install an empty configuration that drops
        // every message, errors included.
        LogConfigurator.configureESLogging();
        Map<String, Class<? extends Plugin>> plugins = new LinkedHashMap<>();
        plugins.put("transport-netty4", Netty4Plugin.class);
        plugins.put("dossier-cjk-analysis", CjkAnalysisPlugin.class);
        plugins.put("dossier-rest-root", RestRootPlugin.class);
        Node node = new ClasspathPluginsNode(
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "dossier-node"),
            plugins
        );
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "dossier-node-shutdown"));
        try {
            node.start();
        } catch (Throwable t) {  // a half-started node keeps non-daemon threads: exit for sure
            t.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
        System.out.println("elasticsearch node started on http://127.0.0.1:" + port);
        stopped.await();
    }
}
