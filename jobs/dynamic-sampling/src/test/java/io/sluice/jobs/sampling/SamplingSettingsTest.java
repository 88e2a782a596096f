package io.sluice.jobs.sampling;

import io.sluice.job.Job;
import io.sluice.job.JobSettings;
import io.sluice.job.Jobs;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplingSettingsTest {

    private static JobSettings settings(Map<String, String> values) {
        return new JobSettings(DynamicSamplingJob.NAME, values);
    }

    @Test
    void foundByServiceLoaderUnderItsNameAndVersion() {
        Job job = Jobs.discover(getClass().getClassLoader()).get("dynamic-sampling");

        assertThat(job).isInstanceOf(DynamicSamplingJob.class);
        assertThat(job.version()).isEqualTo(1);
    }

    @Test
    void emptySettingsGiveTheDefaults() {
        DynamicSamplingJob job = new DynamicSamplingJob();
        job.configure(settings(Map.of()));

        assertThat(job.settings()).isEqualTo(new SamplingSettings(0.1, 0, "sluice.dynamic-sampling", null, "outcomes",
                "getsentry.get_spike_projections"));
        assertThat(job.resultsTopic(settings(Map.of()))).isEqualTo("sluice.dynamic-sampling");
        assertThat(job.slotClass(settings(Map.of()))).isNull();
        assertThat(job.slotClass(settings(Map.of("slot-class", "none")))).isNull();
    }

    @Test
    void everyKeyIsRead() {
        JobSettings s = settings(Map.of("target-rate", "0.25", "min-kept", "50", "results-topic", "ds.rates",
                "slot-class", "background", "snuba.dataset", "outcomes_raw", "snuba.referrer", "dynamic_sampling.rebalance"));
        DynamicSamplingJob job = new DynamicSamplingJob();
        job.configure(s);

        assertThat(job.settings()).isEqualTo(new SamplingSettings(0.25, 50, "ds.rates", "background", "outcomes_raw",
                "dynamic_sampling.rebalance"));
        assertThat(job.resultsTopic(s)).isEqualTo("ds.rates");
        assertThat(job.slotClass(s)).isEqualTo("background");
    }

    @Test
    void aBadTargetRateNamesTheKeyTheValueAndTheRange() {
        for (String bad : new String[] {"0", "-0.1", "1.5", "abc", "NaN"}) {
            assertThatThrownBy(() -> new DynamicSamplingJob().configure(settings(Map.of("target-rate", bad))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jobs.dynamic-sampling.target-rate")
                    .hasMessageContaining("'" + bad + "'")
                    .hasMessageContaining("(0, 1]");
        }
        new DynamicSamplingJob().configure(settings(Map.of("target-rate", "1")));   // 1 is valid: keep everything
    }

    @Test
    void otherBadValuesNameTheirKey() {
        assertThatThrownBy(() -> new DynamicSamplingJob().configure(settings(Map.of("min-kept", "-1"))))
                .hasMessageContaining("jobs.dynamic-sampling.min-kept").hasMessageContaining("'-1'");
        assertThatThrownBy(() -> new DynamicSamplingJob().configure(settings(Map.of("results-topic", "rates for ds"))))
                .hasMessageContaining("jobs.dynamic-sampling.results-topic").hasMessageContaining("'rates for ds'");
        assertThatThrownBy(() -> new DynamicSamplingJob().configure(settings(Map.of("slot-class", "a/b"))))
                .hasMessageContaining("jobs.dynamic-sampling.slot-class").hasMessageContaining("'a/b'");
        assertThatThrownBy(() -> new DynamicSamplingJob().configure(settings(Map.of("snuba.dataset", "outcomes) x"))))
                .hasMessageContaining("snuba.dataset").hasMessageContaining("'outcomes) x'");
    }

    @Test
    void theRegistryNamesTheJobAndTheKey() {
        Jobs jobs = Jobs.of(new DynamicSamplingJob());

        assertThatThrownBy(() -> jobs.configure(name -> settings(Map.of("target-rate", "2"))))
                .hasMessageStartingWith("job dynamic-sampling: jobs.dynamic-sampling.target-rate must be");
    }
}
