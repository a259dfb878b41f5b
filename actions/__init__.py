"""Local actions, amplification, support requests, participation and the playbook."""
