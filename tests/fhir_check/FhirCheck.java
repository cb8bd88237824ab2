// Offline check of FHIR R4 JSON with HAPI FHIR (hapi-fhir-structures-r4, the R4 core XSDs of
// hapi-fhir-validation-resources-r4): one resource per line on standard input, one line of
// problems per resource on standard output (tab-separated; an empty line when it is valid).
//   java -cp '<jars>/*' FhirCheck.java
// 1. HAPI's R4 parser in strict mode: an unknown element, a value of the wrong type, a code
//    outside a required binding's value set or a malformed primitive is an error.
// 2. HAPI's schema validator: the resource, encoded as XML, against the official R4 XSDs
//    (element names and order, cardinalities, primitive patterns).
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;

public class FhirCheck {
    public static void main(String[] args) throws Exception {
        FhirContext context = FhirContext.forR4();
        context.setParserErrorHandler(new StrictErrorHandler());
        FhirValidator validator = context.newValidator();
        validator.setValidateAgainstStandardSchema(true);
        validator.setValidateAgainstStandardSchematron(false);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            List<String> problems = new ArrayList<>();
            try {
                IBaseResource resource = context.newJsonParser().parseResource(line);
                ValidationResult result = validator.validateWithResult(resource);
                for (SingleValidationMessage m : result.getMessages()) {
                    if (m.getSeverity().ordinal() < ResultSeverityEnum.ERROR.ordinal()) {
                        continue; // information and warnings are not problems
                    }
                    problems.add(m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage());
                }
            } catch (Exception e) {
                problems.add("parse: " + e.getMessage());
            }
            out.println(String.join("\t", problems).replace("\n", " ").replace("\r", " "));
        }
    }
}
