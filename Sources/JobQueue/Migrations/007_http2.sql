-- 007: HTTP/2 provider API. APNs answers every HTTP/2 request with an `apns-id` (the one the
-- provider sent, or one APNs made up); the worker records it with the token's outcome so that a
-- notification can be traced in Apple's delivery logs (Push Notifications Console).
--
-- A nullable column added without a default rewrites nothing; binary-protocol outcomes, and
-- outcomes recorded before this migration, keep it NULL. The worker role's INSERT on push.outcome
-- (006) covers the new column; no function is added, so there is nothing new to grant.

ALTER TABLE push.outcome ADD COLUMN apns_id uuid;
COMMENT ON COLUMN push.outcome.apns_id IS
    'HTTP/2 only: the apns-id header of APNs'' answer for this token (NULL for the binary protocol).';
