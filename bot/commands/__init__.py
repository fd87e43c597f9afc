"""The cogs: what members and admins type or click, each loaded as an extension by the app.

``stylize`` (!stylize, /stylize, help, queue) · ``styleset`` (a server's settings and presets) ·
``gallery`` (/styles) · ``prefer`` (a member's own defaults) · ``context_menus`` (Apps > Use as
style, Stylize with my style, Stylize with..., Stylize avatar) · ``choices`` (autocomplete of
presets, styles and settings keys). The rate limit every command passes is ``bot.ratelimit``.
"""
