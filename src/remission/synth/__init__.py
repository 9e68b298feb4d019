"""remission.synth: a seeded synthetic registry calibrated to published outcomes (see ``docs/synth.md``).

``generate.generate_patient(seed, index)`` makes one patient; ``bulk.bulk_load`` writes many (batched,
streaming); ``via_services.services_load`` writes through the registry services; ``demo.build_demo``
builds the demo registry; ``targets`` holds the calibration targets and ``hazards`` the outcome model
derived from them.
"""
