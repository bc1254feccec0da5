/** What an operator's call on one payment (replay, discard, fraud override) did. */
export type OperatorOutcome = "done" | "not_found";
