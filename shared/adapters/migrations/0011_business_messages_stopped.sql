-- Meta's 131050: the person stopped this business's marketing messages in WhatsApp. Tumbuh's reminders are
-- utility messages, but Tumbuh respects the choice for everything it sends unasked: no more reminders (answers to
-- what the person writes still go). Their pending reminders are cancelled with the reason.
ALTER TABLE guardians ADD COLUMN reminders_refused_at timestamptz;
