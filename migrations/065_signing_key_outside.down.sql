-- 065_signing_key_outside down. A version before 065 finds no key in
-- bot_settings and generates a new one: buttons posted since stop working.
-- To keep them, insert the key file's content as the component_signing_key
-- row first (and expect it in every backup again).
REVOKE DELETE ON bot_settings FROM embodied_app;
