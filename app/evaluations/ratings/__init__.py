"""Public daily ratings (SPEC §6, policy §14(二)1): the QR-code rating page, moderation, the
rectification of bad reviews, and the counts the score reads."""
