-- Trial data for `docker compose --profile trial up`: an app pointing at the mock gateway, 100,000
-- device tokens and one campaign to all of them. Runs as the owner; safe to run again (the app and
-- the tokens are kept, each run adds one campaign).
INSERT INTO push.app (name, topic, environment, transport, gateway_host, gateway_port,
                      feedback_host, feedback_port, certificate_path, passphrase_file, ca_file)
VALUES ('trial', 'com.example.pushworker.trial', 'sandbox', 'binary', 'mock-gateway', 2195,
        'mock-gateway', 2196, '/credentials/mock/client.p12', '/credentials/mock/client.p12.passphrase',
        '/credentials/mock/ca.pem')
ON CONFLICT (name) DO NOTHING;

INSERT INTO push.device_token (app_id, token)
SELECT push.app_id('trial'), decode(md5('trial' || i) || md5('token' || i), 'hex')
FROM generate_series(1, 100000) AS i
ON CONFLICT (app_id, token) DO NOTHING;

SELECT push.enqueue_campaign(push.create_campaign(
    app => 'trial', payload => '{"aps":{"alert":"Hello from the pushworker trial"}}', name => 'trial'));
