/*
 * The VPC range is cut into 16 equal blocks: 0..7 public, 8..14 private, block i for zone i. The
 * last block (15) is cut into 8 again for the database subnets, part i for zone i: a database
 * needs few addresses, and no subnet that existed before them moved. Computed here, not with
 * Terraform's cidrsubnet(), so the plan shows real ranges and a zone's subnet never moves when
 * zones are added.
 */
const BLOCKS = 16;
const BLOCKS_PER_KIND = 8;
const DATABASE_BLOCK = BLOCKS - 1;
const DATABASE_PARTS = 8;
/** The last private block holds the database subnets, so one zone fewer fits than blocks per kind. */
export const MAX_ZONES = DATABASE_BLOCK - BLOCKS_PER_KIND;
/** A database subnet is 1/128 of the VPC, and AWS's smallest subnet is a /28: a /21 VPC at most. */
export const MAX_VPC_PREFIX = 28 - Math.log2(BLOCKS * DATABASE_PARTS);

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function subnetCidrs(vpcCidr: string, zones: number): { public: string[]; private: string[]; database: string[] } {
  const [base, prefixText] = vpcCidr.split('/');
  const prefix = Number(prefixText);
  if (zones > MAX_ZONES) throw new Error(`at most ${MAX_ZONES} availability zones fit the subnet layout`);
  if (prefix > MAX_VPC_PREFIX) throw new Error(`a /${prefix} VPC is too small for the subnet layout: at most /${MAX_VPC_PREFIX}`);
  const blockSize = 2 ** (32 - prefix) / BLOCKS;
  const start = ipv4ToNumber(base) - (ipv4ToNumber(base) % 2 ** (32 - prefix));
  const range = (offset: number, size: number) => `${numberToIpv4(start + offset)}/${32 - Math.log2(size)}`;
  const zoneIndexes = Array.from({ length: zones }, (_, i) => i);
  const databaseSize = blockSize / DATABASE_PARTS;
  return {
    public: zoneIndexes.map((i) => range(i * blockSize, blockSize)),
    private: zoneIndexes.map((i) => range((BLOCKS_PER_KIND + i) * blockSize, blockSize)),
    database: zoneIndexes.map((i) => range(DATABASE_BLOCK * blockSize + i * databaseSize, databaseSize)),
  };
}
