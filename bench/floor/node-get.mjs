// The floor of any health check written for Node: start, one GET of the guide's URL, print, exit.
import http from 'node:http'

http.get('http://localhost:4567/api/health-check', (res) => {
  let body = ''
  res.on('data', (chunk) => (body += chunk))
  res.on('end', () => {
    process.stdout.write(res.statusCode === 200 && body.includes('true') ? '[OK]\n' : '[BAD]\n')
    process.exit(res.statusCode === 200 ? 0 : 1)
  })
})
