"""Body builders of the discussion, conversation, group, section, outcome and admin events:
one module per family, each builder a template context (ids global or local per field, as
CANVAS_ACTIVITY_EVENTS gives them; keys Canvas leaves out when nil are None here)."""
