package io.sluice.slots.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SlotBatcherTest {
    private final List<List<Integer>> sent = new ArrayList<>();
    private final List<CompletableFuture<Void>> answers = new ArrayList<>();
    private final Batcher<Integer> batcher = new Batcher<>(3, batch -> {
        sent.add(List.copyOf(batch));
        CompletableFuture<Void> answer = new CompletableFuture<>();
        answers.add(answer);
        return answer;
    });

    @Test
    void aLoneItemGoesAtOnceAndLaterOnesWaitForTheAnswerInOrderAndBounded() {
        batcher.submit(1);
        assertThat(sent).containsExactly(List.of(1));
        for (int i = 2; i <= 6; i++) {
            batcher.submit(i);
        }
        assertThat(sent).hasSize(1);
        answers.get(0).complete(null);
        assertThat(sent).containsExactly(List.of(1), List.of(2, 3, 4));
        answers.get(1).completeExceptionally(new IllegalStateException("redis down"));
        assertThat(sent).containsExactly(List.of(1), List.of(2, 3, 4), List.of(5, 6));
        answers.get(2).complete(null);
        batcher.submit(7);
        assertThat(sent.get(sent.size() - 1)).containsExactly(7);
    }
}
