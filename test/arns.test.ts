import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadBalancerArnSuffix, targetGroupArnSuffix } from '../lib/aws/arns.js'

const ELB = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012'
const pure = suite('lib/aws/arns: load balancer and target group ARN suffixes (pure)')

pure('loadBalancerArnSuffix: app/<name>/<id> of an application load balancer ARN, else undefined', () => {
  const table: Array<[string, string | undefined]> = [
    [`${ELB}:loadbalancer/app/cruddur-alb/50dc6c495c0c9188`, 'app/cruddur-alb/50dc6c495c0c9188'],
    ['arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:loadbalancer/app/my-alb/1a2b3c', 'app/my-alb/1a2b3c'],
    [`${ELB}:loadbalancer/net/cruddur-nlb/50dc6c495c0c9188`, undefined], // a network load balancer
    [`${ELB}:targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067`, undefined],
    [`${ELB}:loadbalancer/app/cruddur-alb`, undefined], // no id
    [`${ELB}:loadbalancer/app/cruddur-alb/50dc6c495c0c9188/extra`, undefined],
    ['(load balancer cruddur-alb)', undefined], // a dry run's stand-in
    ['', undefined],
  ]
  for (const [arn, want] of table) assert.is(loadBalancerArnSuffix(arn), want, arn)
})

pure('targetGroupArnSuffix: targetgroup/<name>/<id> of a target group ARN, else undefined', () => {
  const table: Array<[string, string | undefined]> = [
    [`${ELB}:targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067`, 'targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067'],
    [`${ELB}:targetgroup/cruddur-frontend-react-js-tg-2/0123456789abcdef`, 'targetgroup/cruddur-frontend-react-js-tg-2/0123456789abcdef'],
    [`${ELB}:loadbalancer/app/cruddur-alb/50dc6c495c0c9188`, undefined],
    [`${ELB}:targetgroup/cruddur-backend-flask-tg`, undefined], // no id
    [`${ELB}:targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067/extra`, undefined],
    ['(cruddur-backend-flask-tg)', undefined], // a dry run's stand-in
    ['', undefined],
  ]
  for (const [arn, want] of table) assert.is(targetGroupArnSuffix(arn), want, arn)
})

pure.run()
