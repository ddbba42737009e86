DROP TABLE IF EXISTS sandbox_guilds;
