"""What members see of a job: its status message, embeds, buttons and the pace of edits."""
