package io.sluice.layout;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.sluice.job.Jobs;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine and the jobs live apart, as Kafka Connect's runtime and its connectors do: no engine class
 * (common, job-api, embedded, orchestrator, worker, cli, bench) refers to any job's package; the engine finds jobs
 * only through ServiceLoader. The jobs may use the engine's job API and messages.
 */
class JobsLayoutTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sluice");

    @Test
    void theEngineImportsNoJob() {
        assertThat(MAIN.stream().filter(c -> c.getPackageName().startsWith("io.sluice.jobs.")).count())
                .as("the jobs' classes are on the class path, so the rule below has something to find").isPositive();
        assertThat(MAIN.stream().filter(c -> c.getPackageName().startsWith("io.sluice.worker")).count()).isPositive();
        ArchRule rule = noClasses().that().resideOutsideOfPackage("io.sluice.jobs..")
                .should().dependOnClassesThat().resideInAPackage("io.sluice.jobs..")
                .because("jobs are plug-ins: the engine finds them through ServiceLoader, never by name");
        rule.check(MAIN);
    }

    @Test
    void theJarServesBothShippedJobs() {
        assertThat(Jobs.discover().names()).isEqualTo("dynamic-sampling, spike-projection");
    }
}
