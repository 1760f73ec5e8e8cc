"""The year-end public survey (policy §14(二)2, SPEC §6): evaluator groups, one-time
invitations, the anonymous answer sheets and their aggregates for scoring."""
