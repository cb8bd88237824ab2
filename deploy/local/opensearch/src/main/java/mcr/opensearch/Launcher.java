package mcr.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one OpenSearch node in this JVM with the modules we need passed as classpath plugins.
 *
 * Why: the stock bootstrap refuses to run as root (CI runs as root) and wants a security
 * policy per module. Settings come from system properties set by deploy/local/opensearch.py.
 */
public final class Launcher {

    private static final List<Class<? extends Plugin>> MODULES =
            List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class,
                    ReindexPlugin.class, MapperExtrasPlugin.class);

    /** Node's plugin constructor is protected; this subclass only exposes it. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment, List<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    /** The modules plus the plugin classes named in -Dmcr.os.plugins (comma-separated), e.g. the
     *  security plugin, whose jars the caller puts on the classpath. */
    static List<Class<? extends Plugin>> plugins() throws ClassNotFoundException {
        List<Class<? extends Plugin>> found = new ArrayList<>(MODULES);
        for (String name : System.getProperty("mcr.os.plugins", "").split(",")) {
            if (!name.isBlank()) {
                found.add(Class.forName(name.strip()).asSubclass(Plugin.class));
            }
        }
        return found;
    }

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Path home = Path.of(required("mcr.os.home")).toAbsolutePath();
        Path config = home.resolve("config");
        Files.createDirectories(config);
        Files.createDirectories(home.resolve("modules"));
        Files.createDirectories(home.resolve("plugins"));

        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("cluster.name", System.getProperty("mcr.os.cluster", "mcr-local"))
                .put("node.name", "node-1")
                .put("discovery.type", "single-node")
                .put("network.host", System.getProperty("mcr.os.host", "127.0.0.1"))
                .put("http.port", required("mcr.os.http_port"))
                .put("transport.port", required("mcr.os.transport_port"))
                // A nearly full developer disk must not turn our indices read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("action.auto_create_index", System.getProperty("mcr.os.auto_create_index", "true"))
                .build();

        Environment environment =
                InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> "node-1");
        LogConfigurator.registerErrorListener();
        LogConfigurator.configure(environment);

        Node node = new ClasspathNode(environment, plugins());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "mcr-opensearch-shutdown"));
        node.start();
        System.out.println("mcr-opensearch: node started on http port " + settings.get("http.port"));
        stopped.await();
    }

    private static String required(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing system property -D" + key);
        }
        return value;
    }
}
