"""Recall (召回/停售) as a process: the association recalls or lifts, the people concerned are told, and it follows
up the recalled appliances already in homes. Rules: cases.services.recalls; refusals: field services."""
