"""reporting: the programme's results (issue 15).

Outcomes of candidates, the trainer-training programme and dissemination events, the ESF+
participant data kept apart, the indicators against the programme's targets, the dashboard
and the frozen six-monthly reports. It reads the domains below it; nothing imports it but the
composition root (and the demo data).
"""
