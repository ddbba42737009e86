-- 073_member_reports down: drafts are transient, nothing is lost but
-- reports a member has not submitted yet.
DROP TABLE IF EXISTS report_drafts;
