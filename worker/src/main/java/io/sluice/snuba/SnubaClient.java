package io.sluice.snuba;

import io.sluice.slots.Feedback;
import java.util.function.Consumer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.job.Query;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends a job's queries to Snuba: {@code POST {snuba.url}/{dataset}/snql} with the {@code snuba.referrer} header.
 *
 * <p>One {@link HttpClient} serves every query, so connections are pooled; its callbacks run on virtual
 * threads, and callers may block on the returned future from virtual threads too.
 *
 * <p>Cancelling the returned future aborts the HTTP exchange (over HTTP/1.1 the JDK closes the connection).
 * The worker relies on that: a query must not outlive its slot lease, and Snuba counts an open connection
 * against the referrer's limit until it goes away.
 *
 * <p>{@code snuba.timeout} bounds the whole exchange. The JDK's per-request timeout stops at the response
 * headers, so a body that stalls would hold the slot forever without the extra deadline here.
 *
 * <p>Each query is timed as {@code sluice.downstream.requests}, tagged {@code status} with the HTTP status,
 * or {@code timeout}, {@code error} (no HTTP answer) or {@code cancelled} (the caller gave up; not Snuba's fault).
 */
public final class SnubaClient implements AutoCloseable {
    public static final String METRIC = "sluice.downstream.requests";
    /** The JDK client's read buffer ({@code jdk.httpclient.bufsize}, 16 KiB by default) unless set on the command line. */
    static final String BUFSIZE_PROPERTY = "jdk.httpclient.bufsize";
    static final int BUFSIZE = 128 * 1024;

    static {
        // Snuba's answers are 10-200 KB. With the JDK's 16 KiB buffers each answer is read as several slices, each
        // another read, event and copy: about a quarter of the client's CPU per answer. Read once per JVM, when the
        // first HttpClient is made; an explicit -Djdk.httpclient.bufsize wins.
        if (System.getProperty(BUFSIZE_PROPERTY) == null) {
            System.setProperty(BUFSIZE_PROPERTY, Integer.toString(BUFSIZE));
        }
    }

    private final SnubaSettings settings;
    private final MeterRegistry registry;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledThreadPoolExecutor deadlines = deadlineScheduler();
    private final HttpClient http;
    private volatile Consumer<Feedback> answers = f -> { };
    /** {@code {url}/{dataset}/snql} per dataset, checked and parsed once rather than on every query. */
    private final java.util.Map<String, java.net.URI> endpoints = new java.util.concurrent.ConcurrentHashMap<>();

    /** Hands each 200 and 429 (with Snuba's quota numbers, where it gave them) to {@code listener}: the adaptive limit's signal. */
    public void onAnswer(Consumer<Feedback> listener) {
        this.answers = listener;
    }

    public SnubaClient(SnubaSettings settings, MeterRegistry registry) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    /** Never completes exceptionally, except with {@link CancellationException} when the caller cancelled it. */
    public CompletableFuture<SnubaOutcome> query(Query query) {
        return query(query, () -> { });
    }

    /**
     * As {@link #query(Query)}; {@code done} runs once the downstream is surely done with the query:
     * as soon as the whole answer has arrived, on the thread that read its end, before the answer is read and
     * before the returned future completes (the JDK completes that one only after a hop to its default async
     * pool, the common ForkJoinPool, one thread on a 2-core machine, shared by every query of the process);
     * or when the connection could not even be made, so the query never reached the downstream. It does not
     * run when the query was sent but no whole answer came (a timeout, a cancel, a connection lost midway):
     * the downstream may still be running that query, as ClickHouse does after its client hangs up. Keep it
     * short: other connections may wait for that thread.
     */
    public CompletableFuture<SnubaOutcome> query(Query query, Runnable done) {
        HttpRequest request = HttpRequest.newBuilder(endpoints.computeIfAbsent(query.dataset(), settings::endpoint))
                .timeout(settings.timeout())
                .header("Referer", settings.referrer())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(query.body()))
                .build();
        Timer.Sample sample = Timer.start(registry);
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        HttpResponse.BodyHandler<byte[]> body = info -> HttpResponse.BodySubscribers.mapping(
                HttpResponse.BodySubscribers.ofByteArray(), bytes -> {
                    done.run();
                    return bytes;
                });
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, body);
        // The deadline task holds the exchange, and so the answer, until it runs: it is removed as soon as the
        // exchange ends, or a 30 s timeout would keep every answer of the last 30 s on the heap.
        Future<?> deadline = deadline(exchange, deadlinePassed);
        CompletableFuture<SnubaOutcome> outcome = exchange.handle((response, error) -> {
            deadline.cancel(false);
            if (error != null && !deadlinePassed.get() && neverConnected(error)) {
                done.run();   // refused or unreachable: nothing runs downstream
            }
            try {
                return outcomeOf(response, error, deadlinePassed.get(), sample);
            } catch (RuntimeException e) {   // a bug here must not leave the org hanging
                return new SnubaOutcome.Failed("could not read the answer: " + describe(e), null);
            }
        });
        // Propagate a cancel ourselves: whether a derived future cancels the exchange depends on the JDK and on
        // the mayInterruptIfRunning flag the caller passed.
        outcome.whenComplete((o, e) -> {
            if (outcome.isCancelled()) {
                exchange.cancel(true);
                sample.stop(timer("cancelled"));
            }
        });
        return outcome;
    }

    private SnubaOutcome outcomeOf(HttpResponse<byte[]> response, Throwable error, boolean deadlinePassed, Timer.Sample sample) {
        if (error != null) {
            Throwable cause = unwrap(error);
            if (deadlinePassed || cause instanceof HttpTimeoutException) {
                sample.stop(timer("timeout"));
                return new SnubaOutcome.Failed(SnubaOutcome.Failed.TIMEOUT + " after " + settings.timeout()
                        + " (" + describe(cause) + ")", null);
            }
            sample.stop(timer("error"));
            return new SnubaOutcome.Failed(describe(cause), null);
        }
        int status = response.statusCode();
        Duration latency = Duration.ofNanos(sample.stop(timer(Integer.toString(status))));
        if (status == 200 || status == 429) {
            answers.accept(Feedback.fromSnuba(status == 429, response.body()));
        }
        return SnubaResponses.outcome(status, response.body(), latency);
    }

    private Timer timer(String status) {
        return Timer.builder(METRIC)
                .description("Queries to the downstream Snuba API, by HTTP status or timeout/error/cancelled")
                .tag("status", status)
                .register(registry);
    }

    /** The connection was never made: the request cannot have reached the downstream. */
    static boolean neverConnected(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof java.net.ConnectException || cause instanceof java.net.http.HttpConnectTimeoutException
                || cause instanceof java.nio.channels.UnresolvedAddressException || cause instanceof java.net.UnknownHostException;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** Cancels {@code exchange} after {@code snuba.timeout} unless it has ended; cancel the result when it ends. */
    private Future<?> deadline(CompletableFuture<?> exchange, AtomicBoolean passed) {
        try {
            return deadlines.schedule(() -> executor.execute(() -> {
                if (!exchange.isDone()) {
                    passed.set(true);
                    exchange.cancel(true);
                }
            }), settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {   // a query after close(): the closed client fails it anyway
            return exchange;
        }
    }

    /** Deadlines not yet run nor removed: one per query in flight. */
    int pendingDeadlines() {
        return deadlines.getQueue().size();
    }

    private static ScheduledThreadPoolExecutor deadlineScheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("sluice-snuba-deadlines").daemon().factory());
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    /** Aborts whatever is still in flight; the worker finishes or cancels its queries before calling this. */
    @Override
    public void close() {
        deadlines.shutdownNow();
        http.shutdownNow();
        executor.close();
    }
}
