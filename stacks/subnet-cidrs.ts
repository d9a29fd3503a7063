/*
 * The VPC range is cut into 16 equal blocks: 0..7 public, 8..15 private, block i for zone i.
 * Computed here, not with Terraform's cidrsubnet(), so the plan shows real ranges and a zone's
 * subnet never moves when zones are added.
 */
const BLOCKS_PER_KIND = 8;

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function subnetCidrs(vpcCidr: string, zones: number): { public: string[]; private: string[] } {
  const [base, prefixText] = vpcCidr.split('/');
  const prefix = Number(prefixText);
  if (zones > BLOCKS_PER_KIND) throw new Error(`at most ${BLOCKS_PER_KIND} availability zones fit the subnet layout`);
  const blockSize = 2 ** (32 - prefix - 4);
  const start = ipv4ToNumber(base) - (ipv4ToNumber(base) % 2 ** (32 - prefix));
  const block = (index: number) => `${numberToIpv4(start + index * blockSize)}/${prefix + 4}`;
  const zoneIndexes = Array.from({ length: zones }, (_, i) => i);
  return { public: zoneIndexes.map(block), private: zoneIndexes.map((i) => block(BLOCKS_PER_KIND + i)) };
}
