"""The score and the grades of policy §19, §21 and §22 (SPEC §8, §9)."""
