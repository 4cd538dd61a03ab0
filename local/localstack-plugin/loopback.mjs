// Preloaded (NODE_OPTIONS=--import) into the Node processes LocalStack starts (kinesis-mock), which
// bind every interface with no setting to change it: a listen on all interfaces becomes a listen on
// the loopback interface, so the local endpoint is reachable from this machine only.
import net from 'node:net';

const ALL_INTERFACES = new Set([undefined, null, '', '0.0.0.0', '::']);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0])) {
    if (args[0].path === undefined && ALL_INTERFACES.has(args[0].host)) args[0] = { ...args[0], host: '127.0.0.1' };
  } else if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string' || ALL_INTERFACES.has(args[1])) {
      if (typeof args[1] === 'string') args[1] = '127.0.0.1';
      else args.splice(1, 0, '127.0.0.1');
    }
  }
  return listen.apply(this, args);
};
