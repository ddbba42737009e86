// pm2 process file for the embodied bot: the rollout guide's environment
// matrix as pm2 env blocks. Secrets (DISCORD_TOKEN, ADMIN_USER_ID,
// DB_PASSWORD, DB_HOST…) stay in ./.env, which the bot reads at start without
// overriding what pm2 sets here.
//
//   make build
//   pm2 start deploy/pm2/ecosystem.config.js                        # dev
//   pm2 start deploy/pm2/ecosystem.config.js --env staging
//   pm2 start deploy/pm2/ecosystem.config.js --env production
//   pm2 restart embodied-dating-bot --update-env                    # after changing env
//   tail -f logs/bot.log | grep HealthCheck
//
// Rollback (rollout guide):
//   A, code:        git revert <commit-sha> && make build && pm2 restart embodied-dating-bot
//   B, enforcement: set SECOPS_ENFORCE_MODERATION: 'false' in env_production, then
//                   pm2 restart deploy/pm2/ecosystem.config.js --env production --update-env
//   C, background:  set SECOPS_ENABLE_HEALTHCHECKS and SECOPS_ENABLE_AUTOBACKUP to 'false'
//                   the same way (manual /security backup keeps working)
'use strict';

const path = require('path');

const root = path.resolve(__dirname, '..', '..');

module.exports = {
  apps: [
    {
      name: 'embodied-dating-bot',
      cwd: root,
      script: path.join(root, 'bin', 'embodied'),
      args: 'run',
      interpreter: 'none',
      // One process: a Discord bot holds one gateway session.
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      min_uptime: '30s',
      max_restarts: 10,
      exp_backoff_restart_delay: 1000,
      // pm2 sends SIGINT, then SIGKILL after kill_timeout: longer than
      // SECOPS_SHUTDOWN_TIMEOUT (10s) so a graceful shutdown finishes.
      kill_timeout: 15000,
      // pm2 writes the bot's output; LOG_FILE is blanked below so that the
      // bot does not write the same file a second time.
      log_file: 'logs/bot.log',
      out_file: 'logs/bot-out.log',
      error_file: 'logs/bot-error.log',
      merge_logs: true,

      env: {
        APP_ENV: 'dev',
        SECOPS_ENABLE_HEALTHCHECKS: 'false',
        SECOPS_HEALTHCHECK_INTERVAL_MIN: '5',
        SECOPS_ENABLE_AUTOBACKUP: 'false',
        SECOPS_ENFORCE_MODERATION: 'false',
        DB_NAME: 'embodied_dating_bot_dev',
        LOG_FILE: '',
      },
      env_staging: {
        APP_ENV: 'staging',
        SECOPS_ENABLE_HEALTHCHECKS: 'true',
        SECOPS_HEALTHCHECK_INTERVAL_MIN: '5',
        SECOPS_ENABLE_AUTOBACKUP: 'true',
        SECOPS_BACKUP_CRON: '0 3 * * *',
        SECOPS_ENFORCE_MODERATION: 'false',
        DB_NAME: 'embodied_dating_bot_staging',
        LOG_FORMAT: 'json',
        LOG_FILE: '',
      },
      env_production: {
        APP_ENV: 'production',
        SECOPS_ENABLE_HEALTHCHECKS: 'true',
        SECOPS_HEALTHCHECK_INTERVAL_MIN: '5',
        SECOPS_ENABLE_AUTOBACKUP: 'true',
        SECOPS_BACKUP_CRON: '0 3 * * *',
        // Only after a successful 24-hour staging soak.
        SECOPS_ENFORCE_MODERATION: 'true',
        DB_NAME: 'embodied_dating_bot',
        LOG_FORMAT: 'json',
        LOG_FILE: '',
      },
    },
  ],
};
