"""Sign-off of the year's grades and the published notice 通报 (SPEC §11, policy §23)."""
