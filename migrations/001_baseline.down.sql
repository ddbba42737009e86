DROP TABLE IF EXISTS duels, course_progress, journal_entries, barbie_list, tenseys,
    daily_records, stats_submissions, member_profiles CASCADE;
