package io.sluice.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One Kafka setting gets one answer from every command: a default.api.timeout.ms below
 * request.timeout.ms, which Kafka's admin client refuses, is a config error (exit 2) for the worker and
 * for the commands that never open an admin client alike, before anything connects.
 */
class KafkaSettingsAlikeTest {
    @ParameterizedTest
    @ValueSource(strings = {"worker", "orchestrator status", "slots status", "replay --group g --to-earliest"})
    void anApiTimeoutBelowTheRequestTimeoutIsRefusedByEveryCommand(String command) {
        String[] args = (command + " --set kafka.common.default.api.timeout.ms=5000 --set redis.uri=redis://127.0.0.1:1"
                + " --set kafka.bootstrap-servers=127.0.0.1:1").split(" ");
        Cli.Result r = Cli.run(SluiceCli.commandLine(), args);
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("kafka.common.default.api.timeout.ms (5000) must be at least kafka.common.request.timeout.ms (30000")
                .contains("--set kafka.common.request.timeout.ms=5000");
    }
}
