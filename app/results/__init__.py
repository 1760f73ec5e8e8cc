"""The use of the final results (SPEC §12, policy §24): quotas, rewards, three-year runs."""
