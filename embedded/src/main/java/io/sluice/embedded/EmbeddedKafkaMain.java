package io.sluice.embedded;

import java.util.concurrent.CountDownLatch;

/**
 * The in-process broker as a process of its own, for running the test suite against "an existing
 * cluster" without one: {@code java -cp ... io.sluice.embedded.EmbeddedKafkaMain [port]}, then
 * {@code SLUICE_TEST_KAFKA_BOOTSTRAP=127.0.0.1:port ./mvnw verify}. Stops on SIGTERM or Ctrl-C.
 */
public final class EmbeddedKafkaMain {
    private EmbeddedKafkaMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka.Builder b = EmbeddedKafka.builder();
        if (args.length > 0) {
            b.brokerPort(Integer.parseInt(args[0]));
        }
        EmbeddedKafka kafka = b.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "embedded-kafka-stop"));
        System.out.println("embedded Kafka serving at " + kafka.bootstrapServers());
        stopped.await();
    }
}
