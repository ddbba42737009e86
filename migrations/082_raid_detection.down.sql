-- 082_raid_detection down: forgets the guilds' raid settings (they go back
-- to the defaults) and any raid in progress (a verification level it
-- raised stays raised).
DROP TABLE IF EXISTS raid_states;
DROP TABLE IF EXISTS raid_settings;
