"""Intake: invitations, questionnaire, measures, screening and eligibility review."""
