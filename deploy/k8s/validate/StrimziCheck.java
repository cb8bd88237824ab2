// Offline check of Strimzi custom resources against Strimzi's own Java model (io.strimzi:api).
//   java -cp '<jars>/*' StrimziCheck.java manifest.yaml...
// Each YAML document whose apiVersion is kafka.strimzi.io/* is read into its model class with
// unknown properties as errors. The model classes keep unknown fields in an "any setter"
// (additionalProperties) so that the operator tolerates them; that setter is switched off here,
// so a misspelt or misplaced field fails. Prints one line per problem; exit 1 if any.
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.File;
import java.util.List;
import java.util.Map;

public class StrimziCheck {
    private static final String GROUP = "kafka.strimzi.io/";
    private static final List<String> VERSIONS = List.of("v1", "v1beta2");
    private static final Map<String, Class<?>> KINDS = Map.of(
        "Kafka", Kafka.class,
        "KafkaNodePool", KafkaNodePool.class,
        "KafkaTopic", KafkaTopic.class,
        "KafkaUser", KafkaUser.class);

    /** Jackson's introspector without any setters: unknown fields fail instead of being kept. */
    static final class Strict extends JacksonAnnotationIntrospector {
        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectMapper strict = new ObjectMapper(new YAMLFactory())
            .setAnnotationIntrospector(new Strict())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        int problems = 0;
        int checked = 0;
        for (String path : args) {
            MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(new File(path));
            int index = 0;
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                index++;
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                String apiVersion = doc.path("apiVersion").asText("");
                if (!apiVersion.startsWith(GROUP)) {
                    continue;
                }
                String where = path + " #" + index;
                String kind = doc.path("kind").asText("");
                Class<?> model = KINDS.get(kind);
                if (model == null) {
                    System.out.println(where + ": unknown Strimzi kind " + kind);
                    problems++;
                    continue;
                }
                if (!VERSIONS.contains(apiVersion.substring(GROUP.length()))) {
                    System.out.println(where + ": unsupported apiVersion " + apiVersion);
                    problems++;
                    continue;
                }
                if (!doc.path("spec").isObject() || doc.path("metadata").path("name").asText("").isEmpty()) {
                    System.out.println(where + ": " + kind + " needs metadata.name and a spec");
                    problems++;
                    continue;
                }
                try {
                    strict.treeToValue(doc, model);
                    checked++;
                } catch (Exception e) {
                    System.out.println(where + " (" + kind + "): " + firstLine(e.getMessage()));
                    problems++;
                }
            }
        }
        System.out.println("checked " + checked + " Strimzi resources, " + problems + " problems");
        System.exit(problems == 0 ? 0 : 1);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
