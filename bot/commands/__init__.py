"""The commands members and admins type: !stylize, /stylize, !styleset, and their rate limit."""
