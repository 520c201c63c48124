import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { DomainValidation } from '@aws-sdk/client-acm'
import { validationRecords } from '../lib/steps/certificate.js'

// The one reader of a certificate's DNS validation records: the certificate step writes them,
// teardown deletes them (lib/teardown/front-door.ts validationCnames).
const pure = suite('lib/steps/certificate: validationRecords (pure)')

const option = (domain: string, name?: string, value?: string, type: 'CNAME' | undefined = 'CNAME'): DomainValidation => ({
  DomainName: domain,
  ...(name || value ? { ResourceRecord: { Name: name, Type: type, Value: value } as DomainValidation['ResourceRecord'] } : {}),
})
const record = (name: string, value: string) => ({ Name: name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: value }] })

pure('one CNAME record set per distinct name; options without a record yet are skipped', () => {
  const table: Array<[string, DomainValidation[] | undefined, ReturnType<typeof record>[]]> = [
    ['no options (a certificate ACM has just been asked for)', undefined, []],
    ['an option ACM has not filled yet', [option('cruddur.example.com')], []],
    ['a name without a value', [option('cruddur.example.com', '_a.cruddur.example.com.')], []],
    [
      'one record per name',
      [option('cruddur.example.com', '_a.cruddur.example.com.', '_x.acm-validations.aws.'), option('api.cruddur.example.com', '_b.api.cruddur.example.com.', '_y.acm-validations.aws.')],
      [record('_a.cruddur.example.com.', '_x.acm-validations.aws.'), record('_b.api.cruddur.example.com.', '_y.acm-validations.aws.')],
    ],
    [
      'the same name twice (case and trailing dot aside): once, the last value',
      [option('cruddur.example.com', '_a.cruddur.example.com.', '_x.acm-validations.aws.'), option('*.cruddur.example.com', '_A.Cruddur.example.com', '_z.acm-validations.aws.')],
      [record('_A.Cruddur.example.com', '_z.acm-validations.aws.')],
    ],
    ['a record without a type is a CNAME (what ACM gives)', [option('cruddur.example.com', '_a.cruddur.example.com.', '_x.acm-validations.aws.', undefined)], [record('_a.cruddur.example.com.', '_x.acm-validations.aws.')]],
  ]
  for (const [what, options, want] of table) assert.equal(validationRecords({ DomainValidationOptions: options }), want, what)
})

pure.run()
