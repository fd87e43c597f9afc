"""StyleBot: a Discord bot that paints photos in the style of other pictures."""
