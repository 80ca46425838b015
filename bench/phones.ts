/**
 * Distinct, VALID US phone numbers for the load: the service refuses (400) anything that
 * libphonenumber-js/max does not accept, so a made-up prefix would benchmark the 400 path instead
 * of the limiter. Numbers are built from real area codes and exchanges 200-999, addressed by an
 * index, so every scenario of a run can take its own range and never reuse another's callers.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Geographic US area codes in service (no 5XX/8XX specials, no overlays with narrow patterns). */
const AREA_CODES = `
201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 224 225 228 229 231 234 239 240
248 251 252 253 254 256 260 262 267 269 270 276 281 301 302 303 304 307 308 309 310 312 313 314 315
316 317 318 319 320 321 323 325 330 334 336 337 339 347 351 352 360 361 386 401 402 404 405 406 407
408 409 410 412 413 414 415 417 419 423 425 430 432 434 435 440 443 469 478 479 480 484 501 502 503
504 507 508 509 510 512 513 515 516 517 518 520 530 540 541 559 561 562 563 567 570 571 573 574 575
580 585 586 601 602 603 605 606 607 608 609 610 612 614 615 616 617 618 619 620 623 626 630 631 636
641 646 650 651 660 661 662 678 682 701 702 703 704 706 707 708 712 713 714 715 716 717 718 719 720
724 727 731 732 734 740 754 757 760 763 765 770 772 773 774 775 781 785 786 801 802 803 804 805 806
808 810 812 813 814 815 816 817 818 828 830 831 832 843 845 847 848 850 856 857 858 859 860 862 863
864 865 870 901 903 904 906 907 908 909 910 912 913 914 915 916 917 918 919 920 925 928 931 936 937
940 941 949 951 952 954 956 970 971 972 973 978 979 980 985 989`
  .trim()
  .split(/\s+/);

const EXCHANGES = 800; // 200..999
const LINES = 10_000; // 0000..9999

/** How many distinct numbers phoneAt can address (266 area codes x 800 exchanges x 10^4 lines). */
export const PHONE_SPACE = AREA_CODES.length * EXCHANGES * LINES;

/**
 * The index-th number, in E.164. The area code varies fastest so that neighbouring indexes land
 * in different partitions' token ranges rather than sharing a prefix.
 */
export function phoneAt(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= PHONE_SPACE) throw new RangeError(`phone index ${index} out of range`);
  const area = AREA_CODES[index % AREA_CODES.length]!;
  const rest = Math.floor(index / AREA_CODES.length);
  const exchange = 200 + (rest % EXCHANGES);
  const line = Math.floor(rest / EXCHANGES) % LINES;
  return `+1${area}${exchange}${String(line).padStart(4, '0')}`;
}

/** Hands out disjoint ranges of phone indexes, so no two workloads of a run share a caller. */
export class PhoneRanges {
  private next = 0;

  constructor(start = 0) {
    this.next = start;
  }

  /** Reserves `count` fresh indexes and returns the first. */
  take(count: number): number {
    const first = this.next;
    this.next += count;
    if (this.next > PHONE_SPACE) throw new RangeError('phone space exhausted');
    return first;
  }

  /** How many indexes were handed out so far (= distinct callers the run may have used). */
  get used(): number {
    return this.next;
  }
}

/**
 * Fails loudly if any number of the sample is not valid for libphonenumber-js/max: every area
 * code once, plus `extra` indexes spread over the space the run will use.
 */
export function checkPhones(upTo: number, extra = 2_000): void {
  const indexes = new Set<number>();
  for (let i = 0; i < AREA_CODES.length; i++) indexes.add(i);
  const span = Math.max(1, Math.min(upTo, PHONE_SPACE));
  for (let i = 0; i < extra; i++) indexes.add(Math.floor((i / extra) * span));
  indexes.add(span - 1);
  const invalid: string[] = [];
  for (const index of indexes) {
    const phone = phoneAt(index);
    const parsed = parsePhoneNumberFromString(phone);
    if (!parsed || !parsed.isValid() || parsed.number !== phone) invalid.push(phone);
  }
  if (invalid.length > 0) {
    throw new Error(`bench/phones: ${invalid.length} of ${indexes.size} sampled numbers are invalid for libphonenumber-js/max, e.g. ${invalid.slice(0, 5).join(', ')}`);
  }
}
