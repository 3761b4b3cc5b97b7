/**
 * The credential detector behind credentials-in-env-value, credentials-in-configmap and
 * credentials-in-annotations: what it must find, what it must leave alone (the false-positive
 * budget), and that its descriptions never contain the secret.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  credentialClassOf,
  describeCredentials,
  entropy,
  findCredentials,
  isPlaceholder,
  isReference,
  looksLikeSecret,
} from '../../src/controls/secrets/detect.js';

// Random, never-issued values in the shape of real credentials.
const GHP = 'ghp_KGpOyQNcdOyZbkBFTFoOxtzHq8STZHE6svi3';
const AKIA = 'AKIATZQLI3N4FVU2I5XX';
const AWS_SECRET = '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';
const PEM_BODY = [
  'LeqjujMFxGfJ3RPGWPvKdPUGgeXptjsCa9ohIovjqauFgoyKYbjo58uRTWRGsaQE',
  '+H8LLT4fdNdwUOeVRoT2L5g1fHWjPQ2NVQBEWYpNSSQq5CI2syS95Dvcb3b9+kGB',
  'SnDlioRHAPAxgMVa52eb+q8s+OcVR6cj9/qfEn5LfMDmbbyI1/JqOuMRsxUi6O6Q',
];
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjRmM2EifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OnNob3A6YXBpIn0.Qm7vT2xR9pLk4Wz8sN3dHj6FaB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV';

function kinds(value: unknown, name?: string): string[] {
  return findCredentials(value, name === undefined ? {} : { name }).map((c) => c.kind);
}

describe('credential detection: patterns', () => {
  const positives: [string, string, string][] = [
    ['PEM private key', `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY.join('\n')}\n-----END RSA PRIVATE KEY-----\n`, 'RSA private key (PEM)'],
    ['PEM key with JSON-escaped newlines', `{"private_key": "-----BEGIN PRIVATE KEY-----\\n${PEM_BODY.join('\\n')}\\n-----END PRIVATE KEY-----\\n"}`, 'private key (PEM)'],
    ['OpenSSH key', `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY.join('\n')}\n-----END OPENSSH PRIVATE KEY-----`, 'OpenSSH private key (PEM)'],
    ['GitHub classic token', GHP, 'GitHub personal access token'],
    ['GitHub app token', 'ghs_4zWH8xMS9BMoXOJrLo8F2nXMzqQdgCWwDllJ', 'GitHub server-to-server token'],
    ['AWS access key id', AKIA, 'AWS access key ID'],
    ['Slack bot token', 'xoxb-006103405477-3038795076680-YxWDsU78E9kcE3oEJJ8X1o95', 'Slack token'],
    ['Slack webhook', 'https://hooks.slack.com/services/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', 'Slack incoming webhook URL'],
    ['Stripe live key', 'sk_live_85yMa6Fv4ngcVnSOgsR8uQYuY8CstQTuNzuNGrTF', 'Stripe live secret key'],
    ['Google API key', 'AIzaoVpbR2CDjlt1BC5Gco7fcopoFShyAO9H5sL', 'Google API key'],
    ['GitLab token', 'glpat-HAU9LkZ0jJT2byjBfYsf', 'GitLab personal access token'],
    ['Vault token', 'hvs.V1FGdlTjgiOFgz1XGxr6FWR9IDTMywhIYoE1qzWPy0o0bdYNCnXYSnL5yfM90F2UsAQVafyQgMZZo8o21XiHiLjkNq', 'HashiCorp Vault token'],
    ['JWT', JWT, 'JSON Web Token'],
    ['URL with a password', 'postgres://app:Xk9mQ2vLp7wZ@db.shop.svc:5432/app', 'password embedded in a postgres:// URL'],
    ['URL with an empty user', 'redis://:Xk9mQ2vLp7wZ@redis:6379/0', 'password embedded in a redis:// URL'],
    ['HTTP basic header', 'Authorization: Basic YWRtaW46UzNjcjN0UGFzcw==', 'HTTP basic authentication credentials'],
    ['registry auth', '{"auths":{"r.example.com":{"auth":"cm9ib3QkY2k6UFdZRWFLa3lUd2JwdEhpb3lyVEdNRWxu"}}}', 'container registry credentials (auth)'],
  ];
  for (const [what, value, kind] of positives) {
    test(`finds ${what}`, () => assert.deepEqual(kinds(value), [kind]));
  }

  test('finds the AWS secret key next to its key id, in one text or as a neighbour', () => {
    const file = `[default]\naws_access_key_id = ${AKIA}\nregion = eu-west-1\nkey = ${AWS_SECRET}\n`;
    assert.deepEqual(kinds(file), ['AWS access key ID', 'AWS secret access key']);
    assert.deepEqual(kinds(AWS_SECRET), []);
    assert.deepEqual(findCredentials(AWS_SECRET, { awsKeyNearby: true }).map((c) => c.kind), ['AWS secret access key']);
  });

  const negatives: [string, string][] = [
    ['a certificate', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2l0eUNBIFRlc3QgUm9vdDAeFw0yNjAxMDEwMDAwMDBa\n-----END CERTIFICATE-----'],
    ['a public key', `-----BEGIN PUBLIC KEY-----\n${PEM_BODY.join('\n')}\n-----END PUBLIC KEY-----`],
    ['a PEM placeholder', '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----'],
    ['a PEM filler body', `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----`],
    ['the AWS documentation key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a filler GitHub token', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
    ['a Stripe test key', 'sk_test_85yMa6Fv4ngcVnSOgsR8uQYuY8CstQTuNzuNGrTF'],
    ['a URL without a password', 'https://user@git.example.com/repo.git'],
    ['a URL with a port', 'http://localhost:8080/healthz'],
    ['a URL with a variable password', 'postgres://app:${DB_PASSWORD}@db:5432/app'],
    ['a URL with a Kubernetes variable password', 'postgres://app:$(DB_PASSWORD)@db:5432/app'],
    ['a URL with a placeholder password', 'mysql://root:<password>@db:3306/'],
    ['a URL with the literal word password', 'postgres://user:password@localhost/db'],
    ['a JWT-like string without a JSON header', 'abc.def.ghi'],
    ['dotted text that is not a JWT', 'eyJub3Rqc29u.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl'],
    ['a basic header for user:password', 'Authorization: Basic dXNlcjpwYXNzd29yZA=='],
    ['a sha256 digest', 'sha256:72799da537901b73929a7552bcdf8e76e7d9abfc6cfbf38ea3aba3b782033735'],
    ['a git commit', '3f2a9c1b7e6d5a4f3e2d1c0b9a8f7e6d5c4b3a29'],
    ['a UUID without a credential name', '123e4567-e89b-12d3-a456-426614174000'],
    ['an image reference', 'registry.example.com/team/api@sha256:72799da537901b73929a7552bcdf8e76e7d9abfc6cfbf38ea3aba3b782033735'],
  ];
  for (const [what, value] of negatives) {
    test(`ignores ${what}`, () => assert.deepEqual(kinds(value), []));
  }
});

describe('credential detection: names', () => {
  test('credential-like names', () => {
    const expected: Record<string, string> = {
      DB_PASSWORD: 'password',
      MYSQL_ROOT_PASSWORD: 'password',
      'spring.datasource.password': 'password',
      smtp_pass: 'password',
      passphrase: 'password',
      clientSecret: 'secret',
      CLIENT_SECRET: 'secret',
      'app.jwt.secret': 'secret',
      GITHUB_TOKEN: 'token',
      accessToken: 'token',
      'x-api-key': 'API key',
      apiKey: 'API key',
      API_KEY: 'API key',
      aws_secret_access_key: 'secret key',
      secret_key_base: 'secret key',
      private_key: 'private key',
      'client-key-data': 'private key',
      credentials: 'credential',
      password_value: 'password',
    };
    for (const [name, cls] of Object.entries(expected)) assert.equal(credentialClassOf(name), cls, name);
  });

  test('names that describe or point at a credential', () => {
    for (const name of [
      'password_file', 'DB_PASSWORD_FILE', 'passwordFile', 'secretName', 'secret_ref', 'existingSecret', 'token_url', 'tokenEndpoint',
      'password_min_length', 'PASSWORD_RESET_TIMEOUT', 'token_expiry', 'max_tokens', 'checksum/secret', 'public_key', 'AWS_ACCESS_KEY_ID',
      'password_hash', 'secrets', 'bypass', 'keystore', 'key', 'monkey', 'nginx.ingress.kubernetes.io/auth-type',
      'vault.hashicorp.com/agent-inject-secret-db', 'LOG_LEVEL', '',
    ]) {
      assert.equal(credentialClassOf(name), undefined, name);
    }
  });

  test('a credential-like name needs a secret-looking value', () => {
    assert.deepEqual(kinds('N#MCnlEEpXhqUsGa', 'DB_PASSWORD'), ['password']);
    assert.deepEqual(kinds('S3cr3t!', 'password'), ['password']);
    assert.deepEqual(kinds('admin123', 'ADMIN_PASSWORD'), ['password']);
    assert.deepEqual(kinds('cf6312de70342ea36a7b8c57cd7139e0', 'API_KEY'), ['API key']);
    assert.deepEqual(kinds('123e4567-e89b-12d3-a456-426614174000', 'HEROKU_API_KEY'), ['API key']);
    for (const value of [
      '', 'changeme', 'changeit', 'CHANGE_ME', 'password', 'secret', 'postgres', 'true', 'yes', 'null', 'REDACTED', '********', 'xxxxxxxx',
      '<password>', '<your-api-key>', '${DB_PASSWORD}', '$(DB_PASSWORD)', '$DB_PASSWORD', '{{ .Values.password }}', '{{ vault_db_password }}',
      '%(password)s', '#{password}', '/var/run/secrets/db/password', './secrets/pw', 'file:///etc/pw', 'C:\\secrets\\pw', 'DB_PASSWORD',
      'secret/data/shop/api', 'vault:secret/data/db#password', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db', '!vault |',
      'ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)', 'os.environ["DB_PASSWORD"]', 'process.env.DB_PASSWORD', 'get_secret("db")',
      'settings.DB_PASSWORD', 'your_password_here', 'example-password-123', 'not-a-real-secret', 'Enter your password', '12345678', 'aaaaaaaaaaaa',
    ]) {
      assert.deepEqual(kinds(value, 'DB_PASSWORD'), [], value);
    }
    // Kubernetes object names and short or uniform values are not tokens.
    for (const value of ['db-credentials', 'api-tls-cert', 'basic-auth', 'true', 'abcdefghijklmnopqrstuvwx', 'short1']) {
      assert.deepEqual(kinds(value, 'API_TOKEN'), [], value);
    }
  });
});

describe('credential detection: structured values', () => {
  test('reads key = value lines of configuration files', () => {
    const props = 'spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.username=app\nspring.datasource.password=Wq8!zR3#pL5x\n';
    const found = findCredentials(props, { name: 'application.properties' });
    assert.equal(found.length, 1);
    assert.equal(found[0].kind, 'password');
    assert.equal(found[0].key, 'spring.datasource.password');
    assert.equal(found[0].line, 3);
  });

  test('YAML, JSON, .env, INI, XML, connection strings and command lines', () => {
    assert.deepEqual(kinds('database:\n  host: db\n  password: "Wq8!zR3#pL5x"  # prod\n'), ['password']);
    assert.deepEqual(kinds('{"oauth":{"clientId":"web","clientSecret":"Qm7vT2xR9pLk4Wz8sN3dHj6F"}}'), ['secret']);
    assert.deepEqual(kinds('export API_TOKEN=Qm7vT2xR9pLk4Wz8sN3dHj6F\n'), ['token']);
    assert.deepEqual(kinds('[smtp]\nhost = mail\npassword = Wq8!zR3#pL5x\n'), ['password']);
    assert.deepEqual(kinds('<datasource>\n  <password>Wq8!zR3#pL5x</password>\n</datasource>'), ['password']);
    assert.deepEqual(kinds('Server=db;Database=app;User Id=sa;Password=Xq7!mK2p;'), ['password']);
    assert.deepEqual(kinds('-Xmx1g -Dapp.oauth.client-secret=Qm7vT2xR9pLk4Wz8sN3d -Dfile.encoding=UTF-8'), ['secret']);
    assert.deepEqual(kinds('https://api.acme.io/v1/items?api_key=cf6312de70342ea36a7b8c57cd7139e0&page=2'), ['API key']);
  });

  test('leaves configuration without credentials alone', () => {
    const prometheus = [
      'scrape_configs:',
      '- job_name: apiserver',
      '  bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token',
      '  basic_auth:',
      '    username: prometheus',
      '    password_file: /etc/prometheus/secrets/password',
      'remote_write:',
      '- url: https://metrics.example.com/api/v1/write',
    ].join('\n');
    assert.deepEqual(kinds(prometheus), []);
    assert.deepEqual(kinds('spring.datasource.password=${DB_PASSWORD}\napp.jwt.secret=${JWT_SECRET:}\nkeystore.password=changeit\n'), []);
    assert.deepEqual(kinds('import os\npassword = os.environ["DB_PASSWORD"]\ntoken = get_secret("api")\n'), []);
    assert.deepEqual(kinds('{{- with secret "database/creds/api" -}}\npostgresql://{{ .Data.username }}:{{ .Data.password }}@db:5432/app\n{{- end }}'), []);
    assert.deepEqual(kinds('password:\n  min-length: 12\n  require-digit: true\n'), []);
  });
});

describe('credential detection: output and robustness', () => {
  test('descriptions never contain the secret', () => {
    const secrets = [GHP, AKIA, 'N#MCnlEEpXhqUsGa', 'Xk9mQ2vLp7wZ', JWT, PEM_BODY[0]];
    const text = [
      `GITHUB=${GHP}`,
      `AWS=${AKIA}`,
      'DB_PASSWORD=N#MCnlEEpXhqUsGa',
      'URL=postgres://app:Xk9mQ2vLp7wZ@db:5432/app',
      `TOKEN=${JWT}`,
      `-----BEGIN EC PRIVATE KEY-----\n${PEM_BODY.join('\n')}\n-----END EC PRIVATE KEY-----`,
    ].join('\n');
    const found = findCredentials(text);
    assert.equal(found.length, 6);
    const described = describeCredentials(found) + found.map((c) => c.hint + (c.key ?? '')).join(' ');
    for (const s of secrets) assert.ok(!described.includes(s), `description leaks ${s.slice(0, 4)}…: ${described}`);
    for (const s of secrets.slice(0, 5)) assert.ok(!described.includes(s.slice(0, 12)), `description leaks a prefix of ${s.slice(0, 4)}…`);
  });

  test('non-strings and odd input never throw', () => {
    for (const v of [undefined, null, 42, true, {}, [], '', 'x', '\u0000\u0001', '='.repeat(10000), 'a:'.repeat(5000)]) {
      assert.deepEqual(findCredentials(v, { name: 'password' }), []);
    }
    assert.equal(credentialClassOf('___'), undefined);
  });

  test('a large value is scanned to its end (speed is measured by the benchmarks, not here)', () => {
    const line = 'some.config.key=some-value-that-is-long-enough # comment\n';
    const big = line.repeat(20_000) + 'app.password=Wq8!zR3#pL5x\n';
    const found = findCredentials(big);
    assert.equal(found.length, 1);
  });

  test('helpers', () => {
    assert.ok(entropy('aaaa') === 0);
    assert.ok(entropy('Qm7vT2xR9pLk4Wz8') > 3.5);
    assert.ok(isPlaceholder('<set-me>') && isPlaceholder('${X}') && isPlaceholder('xxxx') && !isPlaceholder('Wq8!zR3#pL5x'));
    assert.ok(isReference('/run/secrets/x') && isReference('$(X)') && isReference('DB_PASSWORD') && !isReference('Wq8!zR3#pL5x'));
    assert.ok(looksLikeSecret('password', 'Wq8!zR3#pL5x') && !looksLikeSecret('token', 'db-credentials'));
  });
});
