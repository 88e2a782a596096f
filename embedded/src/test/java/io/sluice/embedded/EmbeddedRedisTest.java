package io.sluice.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

class EmbeddedRedisTest {

    @Test
    void runsALuaScriptAndComesBackEmptyOnTheSamePortAfterARestart() {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start()) {
            int port = redis.port();
            assertThat(port).isPositive();
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + port);
            RedisClient client = RedisClient.create(redis.uri());
            try {
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    Long result = c.sync().eval("return redis.call('INCRBY', KEYS[1], ARGV[1]) + 1",
                            ScriptOutputType.INTEGER, new String[] {"k"}, "41");
                    assertThat(result).isEqualTo(42L);
                    assertThat(c.sync().get("k")).isEqualTo("41");
                }

                redis.stop();
                assertThat(redis.isRunning()).isFalse();
                assertThat(FreePorts.isListening(port)).isFalse();

                redis.start();
                assertThat(redis.port()).isEqualTo(port);
                assertThat(redis.isRunning()).isTrue();
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    assertThat(c.sync().get("k")).as("no persistence: data is gone after a restart").isNull();
                    c.sync().set("k", "again");
                }

                redis.restart();
                assertThat(redis.port()).isEqualTo(port);
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    assertThat(c.sync().get("k")).isNull();
                }
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void requiresThePasswordWhenOneIsConfigured() {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().password("s3cret").build().start()) {
            assertThat(redis.uri()).isEqualTo("redis://:s3cret@127.0.0.1:" + redis.port());

            RedisClient anonymous = RedisClient.create("redis://127.0.0.1:" + redis.port());
            try {
                assertThatThrownBy(() -> {
                    try (StatefulRedisConnection<String, String> c = anonymous.connect()) {
                        c.sync().ping();
                    }
                }).hasStackTraceContaining("NOAUTH");
            } finally {
                anonymous.shutdown();
            }

            RedisClient authenticated = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = authenticated.connect()) {
                assertThat(c.sync().ping()).isEqualTo("PONG");
            } finally {
                authenticated.shutdown();
            }
        }
    }

    @Test
    void refusesAFixedPortThatIsTaken() {
        try (EmbeddedRedis first = EmbeddedRedis.builder().build().start();
             EmbeddedRedis second = EmbeddedRedis.builder().port(first.port()).build()) {
            assertThatThrownBy(second::start).hasMessageContaining("port is in use");
            assertThat(second.isRunning()).isFalse();
            assertThat(first.isRunning()).isTrue();
        }
    }
}
