package io.sluice.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A cluster that already runs ({@code SLUICE_TEST_KAFKA_BOOTSTRAP=host:port}): never started or stopped by the tests. */
final class ExternalBroker implements TestBroker {
    private final String bootstrap;

    ExternalBroker(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void createTopic(String name, int partitions) {
        createTopic(bootstrap, name, partitions);
    }

    static void createTopic(String bootstrap, String name, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + name + " on " + bootstrap, e);
        }
    }

    @Override
    public boolean isRunning() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "external Kafka at " + bootstrap + " (SLUICE_TEST_KAFKA_BOOTSTRAP)";
    }
}
