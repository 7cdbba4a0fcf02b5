"""What the acknowledgement benches report of their times: medians, the 95th percentile and the
worst, of the acknowledgements (against the platforms' 3 seconds) and of the answers."""

from __future__ import annotations

import statistics

ACK_LIMIT = 3.0  # seconds Slack and Discord wait for an acknowledgement


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latencies(acks: list[float], answers: list[float]) -> dict[str, float | int]:
    return {
        "ack_p50_s": round(statistics.median(acks), 3),
        "ack_p95_s": round(percentile(acks, 0.95), 3),
        "ack_max_s": round(max(acks), 3),
        "acks_over_3s": sum(1 for a in acks if a > ACK_LIMIT),
        "answer_p50_s": round(statistics.median(answers), 3),
        "answer_p95_s": round(percentile(answers, 0.95), 3),
        "answer_max_s": round(max(answers), 3),
    }
