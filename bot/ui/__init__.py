"""What members see, built from a job: ``status`` (the status message, edited in place,
throttled) · ``embeds`` (what a job's messages say) · ``card`` (the result card) · ``views``
(the buttons, as dynamic items that outlive a restart) · ``gallery`` (/styles) · ``forms`` (the
"Stylize with..." modal) · ``pictures`` (thumbnails, before/after) · ``timelapse`` · ``replies``
(where a job's messages go) · ``pacing`` (Discord's per-channel limit)."""
